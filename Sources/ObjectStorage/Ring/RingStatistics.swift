/// How evenly a ring spreads partitions, measured as swift-ring-builder does.
public struct DispersionReport: Sendable, Equatable {
    public struct Tier: Sendable, Equatable {
        /// `r1`, `r1z2`, `r1z2-127.0.0.1`, `r1z2-127.0.0.1/d2`.
        public var name: String
        /// 1 region, 2 zone, 3 server, 4 device.
        public var depth: Int
        /// The most replicas of one partition the topology lets this tier hold.
        public var maxReplicas: Int
        /// Partition-replicas placed in the tier.
        public var placedParts: Int
        /// Percentage of those that are replicas beyond `maxReplicas` of their partition.
        public var dispersion: Double
        /// `partitionsWith[n]`: partitions with exactly `n` replicas in this tier.
        public var partitionsWith: [Int]
    }

    /// Percentage of all partition-replicas that sit in some tier beyond that tier's maximum
    /// (each counted once, at the tier depth where the partition is worst off). 0 is ideal.
    public var dispersion: Double
    public var tiers: [Tier]
    /// The tier with the highest `dispersion`, if any is above 0.
    public var worstTier: Tier? {
        tiers.filter { $0.dispersion > 0 }.max { $0.dispersion < $1.dispersion }
    }
}

extension RingBuilder {
    /// What swift-ring-builder shows for a device holding partitions with no weight.
    public static let maxBalance = 999.99

    /// Per device id: how far (in percent) its partition-replicas are from its share by weight
    /// alone (`parts / (weight × replicas × partitions / total weight) × 100 − 100`). A device with
    /// weight 0 that still holds partitions shows `maxBalance`.
    public func balancePerDevice() -> [Int: Double] {
        let parts = partsPerDevice()
        let totalWeight = liveDevices.reduce(0) { $0 + $1.weight }
        var result: [Int: Double] = [:]
        for device in liveDevices {
            let held = device.id < parts.count ? parts[device.id] : 0
            if device.weight <= 0 || totalWeight <= 0 {
                result[device.id] = held > 0 ? RingBuilder.maxBalance : 0
            } else {
                let wanted = device.weight * Double(replicas * partitions) / totalWeight
                result[device.id] = 100 * Double(held) / wanted - 100
            }
        }
        return result
    }

    /// Per device id: the partition-replicas the next rebalance aims to give it (its share by
    /// weight, adjusted so replicas can spread over regions, zones and servers; see `PlacementTree`).
    public func plannedParts() -> [Int: Int] {
        var tree = PlacementTree(devices: devices) { [pendingRemoval] device in
            pendingRemoval.contains(device.id) ? 0 : device.weight
        }
        tree.plan(replicas: replicas, partitions: partitions)
        var result: [Int: Int] = [:]
        for device in liveDevices { result[device.id] = tree.nodes[tree.tier(device.id, 4)].targetParts }
        return result
    }

    /// The largest absolute per-device balance (0 is perfect; swift-ring-builder's "balance").
    public func balance() -> Double {
        balancePerDevice().values.map(abs).max() ?? 0
    }

    public func dispersion() -> Double { dispersionReport().dispersion }

    /// The dispersion of the current table against the topology: a tier of `k` siblings may hold
    /// `ceil(parent's maximum / k)` replicas of a partition (a device at most one), whatever the weights.
    public func dispersionReport() -> DispersionReport {
        guard hasBeenRebalanced else { return DispersionReport(dispersion: 0, tiers: []) }
        let tree = PlacementTree(devices: devices) { [pendingRemoval] device in
            pendingRemoval.contains(device.id) ? 0 : device.weight
        }
        var maxReplicas = [Int](repeating: 0, count: tree.nodes.count)
        maxReplicas[0] = replicas
        var stack = [0]
        while let node = stack.popLast() {
            let kids = tree.nodes[node].children.filter { tree.nodes[$0].weightedDevices > 0 }
            for kid in kids {
                let share = (maxReplicas[node] + kids.count - 1) / kids.count
                maxReplicas[kid] = tree.nodes[kid].depth == PlacementTree.tierCount ? min(1, share) : share
                stack.append(kid)
            }
        }
        let width = replicas + 1
        var histogram = [Int](repeating: 0, count: tree.nodes.count * width)
        var counts = [Int](repeating: 0, count: tree.nodes.count)
        var touched: [Int] = []
        var atRisk = 0
        for partition in 0..<partitions {
            touched.removeAll(keepingCapacity: true)
            for replica in 0..<replicas {
                let id = assignments[replica * partitions + partition]
                guard id != RingBuilder.unassigned else { continue }
                for depth in 1...PlacementTree.tierCount {
                    let node = tree.tier(Int(id), depth)
                    if counts[node] == 0 { touched.append(node) }
                    counts[node] += 1
                }
            }
            var worstAtDepth = [0, 0, 0, 0, 0]
            for node in touched {
                let count = min(counts[node], replicas)
                histogram[node * width + count] += 1
                if counts[node] > maxReplicas[node] {
                    worstAtDepth[tree.nodes[node].depth] += counts[node] - maxReplicas[node]
                }
                counts[node] = 0
            }
            atRisk += worstAtDepth.max() ?? 0
        }
        var tiers: [DispersionReport.Tier] = []
        let names = tierNames(tree)
        for (node, entry) in tree.nodes.enumerated() where entry.depth > 0 {
            var with = Array(histogram[node * width..<(node + 1) * width])
            with[0] = partitions - with.dropFirst().reduce(0, +)
            let placed = with.enumerated().reduce(0) { $0 + $1.offset * $1.element }
            let risky = with.enumerated().reduce(0) { $0 + max($1.offset - maxReplicas[node], 0) * $1.element }
            tiers.append(
                DispersionReport.Tier(
                    name: names[node], depth: entry.depth, maxReplicas: maxReplicas[node], placedParts: placed,
                    dispersion: placed == 0 ? 0 : 100 * Double(risky) / Double(placed), partitionsWith: with))
        }
        tiers.sort { $0.name < $1.name }
        return DispersionReport(dispersion: 100 * Double(atRisk) / Double(replicas * partitions), tiers: tiers)
    }

    private func tierNames(_ tree: PlacementTree) -> [String] {
        var names = [String](repeating: "", count: tree.nodes.count)
        for device in liveDevices {
            let host = device.ip.contains(":") ? "[\(device.ip)]" : device.ip
            names[tree.tier(device.id, 1)] = "r\(device.region)"
            names[tree.tier(device.id, 2)] = "r\(device.region)z\(device.zone)"
            names[tree.tier(device.id, 3)] = "r\(device.region)z\(device.zone)-\(host)"
            names[tree.tier(device.id, 4)] = "r\(device.region)z\(device.zone)-\(host)/\(device.device)"
        }
        return names
    }
}
