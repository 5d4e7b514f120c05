/// The failure-domain tree of a ring's devices (root → regions → zones → servers → devices)
/// and the replica plan the builder follows.
///
/// The plan gives every tier a share of the `replicas × partitions` partition-replicas. It is
/// computed top down: a tier's replicas ("replicanths", a real number of replicas per
/// partition) go to its children in proportion to their weights, but each child is held between
/// `floor(r / k)` and `ceil(r / k)` for `k` children (so replicas spread as evenly as the
/// topology allows: three replicas over four zones put at most one in each zone, whatever the
/// weights) and to at most its number of weighted devices (a device holds at most one replica of
/// a partition). When the children cannot hold `r` that way, the even-spread bound is dropped.
/// Fractions become whole partition-replicas by largest remainder, so the device targets sum to
/// exactly `replicas × partitions`. A tier with target `t` partition-replicas may hold at most
/// `ceil(t / partitions)` replicas of any one partition.
///
/// Devices with weight 0 (or marked for removal) are in the tree, so the replicas they still
/// hold are counted, but they and the tiers made only of them have no target and a maximum of 0.
struct PlacementTree {
    struct Node {
        var parent: Int
        /// 0 root, 1 region, 2 zone, 3 server, 4 device.
        var depth: Int
        var children: [Int] = []
        var weight: Double = 0
        var weightedDevices = 0
        /// The device id of a leaf, -1 elsewhere.
        var device = -1
        var targetReplicas: Double = 0
        var targetParts = 0
        var maxPerPartition = 0
    }

    static let tierCount = 4
    private(set) var nodes: [Node]
    /// For device id `d`: its region, zone, server and device nodes at `4d ..< 4d + 4` (-1 when absent).
    private(set) var tiers: [Int]

    /// Builds the tree over the live devices; `weight(d)` is the weight to plan with.
    init(devices: [RingDevice?], weight: (RingDevice) -> Double) {
        nodes = [Node(parent: -1, depth: 0)]
        tiers = [Int](repeating: -1, count: devices.count * PlacementTree.tierCount)
        var regions: [Int: Int] = [:]
        var zones: [[Int]: Int] = [:]
        var servers: [String: Int] = [:]
        let live = devices.compactMap { $0 }.sorted { ($0.region, $0.zone, $0.ip, $0.id) < ($1.region, $1.zone, $1.ip, $1.id) }
        func child(of parent: Int, depth: Int) -> Int {
            nodes.append(Node(parent: parent, depth: depth))
            nodes[parent].children.append(nodes.count - 1)
            return nodes.count - 1
        }
        for device in live {
            let region = regions[device.region] ?? child(of: 0, depth: 1)
            regions[device.region] = region
            let zone = zones[[device.region, device.zone]] ?? child(of: region, depth: 2)
            zones[[device.region, device.zone]] = zone
            let serverKey = "\(device.region)/\(device.zone)/\(device.ip)"
            let server = servers[serverKey] ?? child(of: zone, depth: 3)
            servers[serverKey] = server
            let leaf = child(of: server, depth: 4)
            nodes[leaf].device = device.id
            let w = weight(device)
            let path = [region, zone, server, leaf]
            for (depth, node) in path.enumerated() { tiers[device.id * PlacementTree.tierCount + depth] = node }
            if w > 0 {
                for node in [0] + path {
                    nodes[node].weight += w
                    nodes[node].weightedDevices += 1
                }
            }
        }
    }

    var weightedDeviceCount: Int { nodes[0].weightedDevices }

    /// The node of device `id` at `depth` (1 region ... 4 device).
    @inline(__always) func tier(_ id: Int, _ depth: Int) -> Int { tiers[id * PlacementTree.tierCount + depth - 1] }

    /// Fills in targets and per-partition maxima (see the type's documentation).
    mutating func plan(replicas: Int, partitions: Int) {
        nodes[0].targetReplicas = Double(replicas)
        nodes[0].targetParts = replicas * partitions
        nodes[0].maxPerPartition = replicas
        var stack = [0]
        while let node = stack.popLast() {
            let kids = nodes[node].children.filter { nodes[$0].weightedDevices > 0 }
            guard !kids.isEmpty else { continue }
            let total = nodes[node].targetReplicas
            let even = total / Double(kids.count)
            let lower = kids.map { min((even + 1e-9).rounded(.down), Double(nodes[$0].weightedDevices)) }
            var upper = kids.map { min((even - 1e-9).rounded(.up), Double(nodes[$0].weightedDevices)) }
            if upper.reduce(0, +) < total - 1e-9 { upper = kids.map { Double(nodes[$0].weightedDevices) } }
            let shares = PlacementTree.waterFill(
                total: total, weights: kids.map { nodes[$0].weight }, lower: lower, upper: upper)
            let parts = PlacementTree.apportion(
                total: nodes[node].targetParts, shares: shares.map { $0 * Double(partitions) },
                caps: upper.map { Int($0) * partitions })
            for (index, kid) in kids.enumerated() {
                nodes[kid].targetReplicas = Double(parts[index]) / Double(partitions)
                nodes[kid].targetParts = parts[index]
                nodes[kid].maxPerPartition = (parts[index] + partitions - 1) / partitions
                stack.append(kid)
            }
        }
    }

    /// Values `clamp(weight × s, lower, upper)` summing to `total`, for the one scale `s` that does it.
    static func waterFill(total: Double, weights: [Double], lower: [Double], upper: [Double]) -> [Double] {
        func values(_ scale: Double) -> [Double] {
            weights.indices.map { min(max(weights[$0] * scale, lower[$0]), upper[$0]) }
        }
        func sum(_ scale: Double) -> Double { values(scale).reduce(0, +) }
        if lower.reduce(0, +) >= total { return lower }
        if upper.reduce(0, +) <= total { return upper }
        var low = 0.0
        var high = 1.0
        while sum(high) < total { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if sum(middle) < total { low = middle } else { high = middle }
        }
        return values(high)
    }

    /// Whole numbers near `shares` (never above `caps`) that sum to `total`: floors first, then
    /// one more to the largest remainders.
    static func apportion(total: Int, shares: [Double], caps: [Int]) -> [Int] {
        var result = shares.indices.map { min(Int((shares[$0] + 1e-7).rounded(.down)), caps[$0]) }
        var left = total - result.reduce(0, +)
        let byRemainder = shares.indices.sorted {
            let a = shares[$0] - shares[$0].rounded(.down)
            let b = shares[$1] - shares[$1].rounded(.down)
            return a != b ? a > b : $0 < $1
        }
        while left > 0 {
            var progressed = false
            for index in byRemainder where left > 0 && result[index] < caps[index] {
                result[index] += 1
                left -= 1
                progressed = true
            }
            if !progressed { break }
        }
        while left < 0 {
            var progressed = false
            for index in byRemainder.reversed() where left < 0 && result[index] > 0 {
                result[index] -= 1
                left += 1
                progressed = true
            }
            if !progressed { break }
        }
        return result
    }
}
