import StratusKit

/// The flavor set a new cloud starts with: DevStack's m1 family, ids 1 to 5.
enum DefaultFlavors {
    /// (id, name, RAM in MiB, vCPUs, root disk in GiB).
    static let all: [(id: String, name: String, ram: Int64, vcpus: Int64, disk: Int64)] = [
        ("1", "m1.tiny", 512, 1, 1),
        ("2", "m1.small", 2048, 1, 20),
        ("3", "m1.medium", 4096, 2, 40),
        ("4", "m1.large", 8192, 4, 80),
        ("5", "m1.xlarge", 16384, 8, 160),
    ]
}

extension ComputeManager {
    /// Creates the default flavors on the first start only: flavors an operator later
    /// deletes stay deleted.
    func seedDefaultFlavors() async throws {
        try await write { q in
            guard try await q.markBootstrapStep("default_flavors") else { return }
            for flavor in DefaultFlavors.all {
                guard try await q.flavor(flavorID: flavor.id) == nil, try await !q.flavorNameExists(flavor.name) else {
                    continue
                }
                try await q.insert(
                    FlavorRecord(
                        internalID: try await q.nextFlavorInternalID(), flavorID: flavor.id, name: flavor.name,
                        memoryMB: flavor.ram, vcpus: flavor.vcpus, rootGB: flavor.disk, ephemeralGB: 0, swapMB: 0,
                        rxtxFactor: 1.0, isPublic: true, disabled: false, description: nil, createdAt: .now()))
            }
        }
    }
}
