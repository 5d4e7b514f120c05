import Compute

// Times FilterScheduler.selectHosts for one request over synthetic clouds of 100, 1,000 and
// 10,000 hosts with every default filter and weigher on: hosts of mixed sizes and loads, one
// in twenty disabled, a quarter in a second zone, an aggregate with metadata, and Placement
// candidates for nine hosts in ten. Prints the median milliseconds per request over several
// runs, one line per cloud size.

func syntheticHosts(_ count: Int) -> [HostState] {
    let east = AggregateInfo(uuid: "agg-east", name: "east", metadata: ["availability_zone": "east"])
    let ssd = AggregateInfo(uuid: "agg-ssd", name: "ssd", metadata: ["ssd": "true"])
    return (0..<count).map { index in
        let size = [32, 64, 128, 256][index % 4]
        var aggregates: [AggregateInfo] = []
        if index % 4 == 3 { aggregates.append(east) }
        if index % 3 == 0 { aggregates.append(ssd) }
        return HostState(
            host: "compute\(index)", providerUUID: "rp-\(index)", serviceEnabled: index % 20 != 7,
            disabledReason: index % 20 == 7 ? "maintenance" : nil, totalVCPUs: size / 2,
            totalMemoryMB: size * 1024, totalDiskGB: size * 10, usedVCPUs: (index * 37) % (size * 4),
            usedMemoryMB: (index * 7919) % (size * 1024), usedDiskGB: (index * 13) % (size * 5),
            reservedMemoryMB: 512, capabilities: ["cpu_info:features": "sse4.2 avx avx2"], aggregates: aggregates,
            numInstances: index % 17)
    }
}

let flavor = SchedulerFlavor(
    name: "m1.medium", memoryMB: 4096, vcpus: 2, rootGB: 40,
    extraSpecs: ["capabilities:cpu_info:features": "<in> avx2", "hw:cpu_policy": "shared"])
let group = SchedulerServerGroup(
    uuid: "group", name: "web", policy: .softAntiAffinity, memberHosts: ["compute1", "compute2", "compute2"])
let spec = RequestSpec(
    instanceUUID: "6f0b1c7e-3a55-4d4e-9d59-1f0d3c1f4c11", projectID: "bench", flavor: flavor,
    image: SchedulerImage(properties: ["hw_architecture": "x86_64"]), availabilityZone: "nova", serverGroup: group,
    differentHost: ["compute5"], ignoreHosts: ["compute9"])
let scheduler = FilterScheduler(configuration: .defaults)
let runs = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 7

for count in [100, 1_000, 10_000] {
    let hosts = syntheticHosts(count)
    let candidates = Set(hosts.enumerated().filter { $0.offset % 10 != 4 }.map(\.element.providerUUID))
    let requestsPerRun = max(5, 200_000 / count)
    var chosen = ""
    _ = try scheduler.selectHosts(for: spec, among: hosts, placementCandidates: candidates)  // warm-up
    var perRequest: [Double] = []
    for _ in 0..<runs {
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<requestsPerRun {
                chosen = try scheduler.selectHosts(for: spec, among: hosts, placementCandidates: candidates)[0].host
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        perRequest.append(seconds * 1000 / Double(requestsPerRun))
    }
    let sorted = perRequest.sorted()
    let median = sorted[sorted.count / 2]
    let each = perRequest.map { String(format3($0)) }.joined(separator: " ")
    print("scheduler.select.h\(count): \(format3(median)) ms/request (median of \(runs) runs of \(requestsPerRun): \(each)) chose \(chosen)")
}

/// Three decimals without Foundation.
func format3(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let fraction = String(thousandths % 1000)
    return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
