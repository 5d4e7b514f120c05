// Temporary: the declarations of the ServiceClients module and the scheduler, until they land.
import StratusKit

public struct SchedulerFlavor: Sendable { public var name: String; public var memoryMB: Int; public var vcpus: Int; public var rootGB: Int; public var ephemeralGB: Int; public var swapMB: Int; public var extraSpecs: [String: String] }
public struct SchedulerImage: Sendable { public var id: String?; public var properties: [String: String]; public var minRamMB: Int; public var minDiskGB: Int }
public enum ServerGroupPolicy: String, Sendable { case affinity, antiAffinity = "anti-affinity", softAffinity = "soft-affinity", softAntiAffinity = "soft-anti-affinity" }
public struct SchedulerServerGroup: Sendable { public var uuid: String; public var name: String; public var policy: ServerGroupPolicy; public var maxServerPerHost: Int?; public var memberHosts: [String] }
public struct RequestSpec: Sendable {
    public var instanceUUID: String; public var projectID: String; public var flavor: SchedulerFlavor; public var image: SchedulerImage
    public var availabilityZone: String?; public var serverGroup: SchedulerServerGroup?
    public var sameHost: [String]; public var differentHost: [String]
    public var ignoreHosts: Set<String>; public var numInstances: Int
}
public struct AggregateInfo: Sendable { public var uuid: String; public var name: String; public var metadata: [String: String] }
public struct HostState: Sendable {
    public var host: String; public var nodename: String; public var providerUUID: String
    public var serviceEnabled: Bool; public var serviceUp: Bool; public var forcedDown: Bool; public var disabledReason: String?
    public var totalVCPUs: Int; public var totalMemoryMB: Int; public var totalDiskGB: Int
    public var usedVCPUs: Int; public var usedMemoryMB: Int; public var usedDiskGB: Int
    public var reservedMemoryMB: Int; public var reservedDiskGB: Int; public var reservedVCPUs: Int
    public var cpuAllocationRatio: Double; public var ramAllocationRatio: Double; public var diskAllocationRatio: Double
    public var hypervisorType: String; public var hypervisorVersion: Int; public var architecture: String
    public var capabilities: [String: String]
    public var aggregates: [AggregateInfo]
    public var numInstances: Int
}
public struct SchedulerConfiguration: Sendable {
    public var cpuAllocationRatio: Double = 16.0, ramAllocationRatio: Double = 1.5, diskAllocationRatio: Double = 1.0
    public var maxAttempts = 3
    public var defaultAvailabilityZone = "nova"
    public init(config: StratusConfig) throws {}
    public static let defaults = try! SchedulerConfiguration(config: StratusConfig())
}
public struct NoValidHost: Error, Sendable, CustomStringConvertible { public var message: String; public var description: String { message } }
public struct FilterScheduler: Sendable {
    public init(configuration: SchedulerConfiguration) {}
    public func selectHosts(for spec: RequestSpec, among hosts: [HostState], placementCandidates: Set<String>?) throws -> [HostState] {
        let left = hosts.filter { placementCandidates?.contains($0.providerUUID) ?? true }.filter { !spec.ignoreHosts.contains($0.host) }
        guard !left.isEmpty else { throw NoValidHost(message: "No valid host was found. ") }
        return Array(left.prefix(3))
    }
}
public struct PlacementResourceRequest: Sendable, Equatable {
    public var resources: [String: Int]; public var requiredTraits: [String]; public var forbiddenTraits: [String]
    public init(flavor: SchedulerFlavor, image: SchedulerImage) {
        resources = ["VCPU": flavor.vcpus, "MEMORY_MB": flavor.memoryMB, "DISK_GB": flavor.rootGB + flavor.ephemeralGB]
        requiredTraits = []; forbiddenTraits = []
    }
}

