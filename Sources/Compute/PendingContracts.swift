// Temporary: the declarations of the ServiceClients module and the scheduler, until they land.
import StratusKit

public struct ServiceClientError: Error, CustomStringConvertible, Sendable {
    public var service: String
    public var status: Int
    public var message: String
    public var description: String { message }
}
public struct AllocationCandidateRequest: Sendable {
    public var resources: [String: Int]; public var required: [String]; public var forbidden: [String]
    public var memberOf: [[String]]; public var inTree: String?; public var limit: Int?
}
public struct PlacementInventory: Sendable, Equatable {
    public var total: Int; public var reserved: Int = 0; public var minUnit: Int = 1; public var maxUnit: Int; public var stepSize: Int = 1; public var allocationRatio: Double = 1.0
}
public struct ProviderResource: Sendable, Equatable { public var capacity: Int; public var used: Int }
public struct ProviderSummary: Sendable { public var resources: [String: ProviderResource]; public var traits: [String]; public var parentProviderUUID: String?; public var rootProviderUUID: String }
public struct AllocationCandidates: Sendable { public var allocationRequests: [[String: [String: Int]]]; public var providerSummaries: [String: ProviderSummary] }
public protocol PlacementClient: Sendable {
    func ensureResourceProvider(uuid: String, name: String, parentUUID: String?) async throws
    func setInventories(providerUUID: String, _ inventories: [String: PlacementInventory]) async throws
    func setTraits(providerUUID: String, _ traits: [String]) async throws
    func setAggregates(providerUUID: String, _ aggregateUUIDs: [String]) async throws
    func deleteResourceProvider(uuid: String) async throws
    func allocationCandidates(_ request: AllocationCandidateRequest) async throws -> AllocationCandidates
    func claimAllocations(consumerUUID: String, allocations: [String: [String: Int]], projectID: String, userID: String, consumerGeneration: Int?) async throws -> Bool
    func allocations(consumerUUID: String) async throws -> (allocations: [String: [String: Int]], consumerGeneration: Int?)
    func deleteAllocations(consumerUUID: String) async throws
    func usages(providerUUID: String) async throws -> [String: Int]
}
public struct NetworkSummary: Sendable { public var id, name, projectID, status: String; public var shared, external, adminStateUp: Bool; public var subnetIDs: [String] }
public struct PortFixedIP: Sendable, Equatable { public var subnetID: String?; public var ipAddress: String? }
public struct PortSummary: Sendable { public var id, networkID, projectID, macAddress, status, deviceID, deviceOwner, bindingHostID, bindingVIFType: String; public var fixedIPs: [PortFixedIP]; public var securityGroupIDs: [String] }
public struct PortCreateRequest: Sendable { public var networkID: String; public var projectID: String; public var fixedIPs: [PortFixedIP]; public var securityGroups: [String]?; public var deviceID: String; public var deviceOwner: String; public var hostID: String?; public var name: String? }
public protocol NetworkClient: Sendable {
    func network(id: String) async throws -> NetworkSummary?
    func networks(ids: [String]) async throws -> [NetworkSummary]
    func networksAvailable(toProject projectID: String) async throws -> [NetworkSummary]
    func securityGroupIDs(named names: [String], projectID: String) async throws -> [String]
    func createPort(_ request: PortCreateRequest) async throws -> PortSummary
    func port(id: String) async throws -> PortSummary?
    func ports(deviceID: String) async throws -> [PortSummary]
    func bindPort(id: String, hostID: String, deviceID: String, deviceOwner: String) async throws -> PortSummary
    func unbindPort(id: String) async throws
    func deletePort(id: String) async throws
}
public struct ImageSummary: Sendable { public var id, name, status, visibility, owner: String; public var diskFormat, containerFormat: String?; public var size: Int64?; public var minDisk, minRam: Int; public var properties: [String: String]; public var createdAt: String }
public struct ImageCreateRequest: Sendable { public var name: String; public var ownerProjectID: String; public var diskFormat: String?; public var containerFormat: String?; public var visibility: String; public var minDisk: Int; public var minRam: Int; public var properties: [String: String] }
public protocol ImageClient: Sendable {
    func image(id: String) async throws -> ImageSummary?
    func createImage(_ request: ImageCreateRequest) async throws -> ImageSummary
    func uploadImageData(id: String, fileAt path: String) async throws
    func deleteImage(id: String) async throws
    func images(ownerProjectID: String, properties: [String: String]) async throws -> [ImageSummary]
}

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

extension ComputeQueries {
    func quotaLimits(projectID: String) async throws -> (instances: Int, cores: Int, ramMB: Int) { (10, 20, 51200) }
}
