import Foundation

/// A pool as the scheduler weighs it: what its back end reported, what is provisioned on it
/// now (volumes and snapshots placed there), and its service's zone and liveness.
struct PoolState: Sendable {
    /// `host@backend#pool`.
    var name: String
    var serviceHost: String
    var availabilityZone: String
    var report: VolumePoolReport
    var provisionedGB: Double

    /// Cinder's virtual free space of a thin pool: what over-subscription still allows.
    var virtualFreeGB: Double {
        report.totalCapacityGB * report.maxOverSubscriptionRatio - provisionedGB
    }

    var reservedGB: Double { (report.totalCapacityGB * Double(report.reservedPercentage) / 100).rounded(.down) }
}

/// What is asked of the scheduler for one volume.
struct VolumeRequestSpec: Sendable {
    var sizeGB: Int64
    var availabilityZone: String
    var extraSpecs: [String: String]
    /// A volume made from a snapshot or another volume goes to its source's pool.
    var sourcePool: String?
}

/// One scheduler filter: keeps the pools that can take the request and says why the others cannot.
protocol PoolFilter: Sendable {
    var name: String { get }
    /// Nil when the pool passes, else the reason it was removed (with the numbers).
    func rejection(of pool: PoolState, for spec: VolumeRequestSpec) -> String?
}

/// Cinder's AvailabilityZoneFilter: the pool's service is in the requested zone.
struct AvailabilityZoneFilter: PoolFilter {
    let name = "AvailabilityZoneFilter"
    func rejection(of pool: PoolState, for spec: VolumeRequestSpec) -> String? {
        pool.availabilityZone == spec.availabilityZone ? nil : "\(pool.name) is in zone \(pool.availabilityZone), not \(spec.availabilityZone)"
    }
}

/// Cinder's CapacityFilter: a thick pool needs the size free (above its reserve); a thin
/// pool needs the size within its over-subscription ratio and some real free space.
struct CapacityFilter: PoolFilter {
    let name = "CapacityFilter"
    func rejection(of pool: PoolState, for spec: VolumeRequestSpec) -> String? {
        let requested = Double(spec.sizeGB)
        let free = pool.report.freeCapacityGB - pool.reservedGB
        if pool.report.thinProvisioning {
            let provisionedRatio = (pool.provisionedGB + requested) / max(pool.report.totalCapacityGB, 0.000_001)
            if provisionedRatio > pool.report.maxOverSubscriptionRatio {
                return String(
                    format: "%@: %d GB requested, %.0f GB provisioned of %.0f GB x %.1f over-subscription (ratio %.2f would pass %.1f)",
                    pool.name, spec.sizeGB, pool.provisionedGB, pool.report.totalCapacityGB,
                    pool.report.maxOverSubscriptionRatio, provisionedRatio, pool.report.maxOverSubscriptionRatio)
            }
            if free <= 0 { return String(format: "%@: no real free space left (%.1f GB free)", pool.name, free) }
            return nil
        }
        if free < requested {
            return String(format: "%@: %d GB requested, %.1f GB free", pool.name, spec.sizeGB, max(free, 0))
        }
        return nil
    }
}

/// Cinder's CapabilitiesFilter: every extra spec that names a capability (bare or with the
/// `capabilities:` scope) must match the pool's; other scopes (`qos:`, `RESKEY:` …) and
/// the keys Cinder handles elsewhere are ignored. Values may use Cinder's operators
/// (`<is> True`, `<in> x`, `<or> a <or> b`, `>=`, `<=`, `==`, `!=`, `s==` …).
struct CapabilitiesFilter: PoolFilter {
    let name = "CapabilitiesFilter"

    static let ignoredKeys: Set<String> = ["multiattach", "replication_enabled", "volume_backend_name_ignored"]

    func rejection(of pool: PoolState, for spec: VolumeRequestSpec) -> String? {
        let capabilities = Self.capabilities(of: pool)
        for (key, requirement) in spec.extraSpecs.sorted(by: { $0.key < $1.key }) {
            var capability = key
            if key.contains(":") {
                let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts[0] == "capabilities" else {
                    if key == "provisioning:type" {
                        let wanted = requirement.lowercased()
                        let supported = wanted == "thin" ? pool.report.thinProvisioning : !pool.report.thinProvisioning
                        if !supported { return "\(pool.name) does not support \(wanted) provisioning" }
                    }
                    continue
                }
                capability = parts[1]
            }
            if Self.ignoredKeys.contains(capability) { continue }
            guard let actual = capabilities[capability] else {
                return "\(pool.name) has no capability \(capability) (the type asks \(key)=\(requirement))"
            }
            if !ExtraSpecMatcher.matches(actual, requirement) {
                return "\(pool.name) has \(capability)=\(actual), the type asks \(requirement)"
            }
        }
        return nil
    }

    static func capabilities(of pool: PoolState) -> [String: String] {
        var capabilities = pool.report.capabilities
        capabilities["pool_name"] = capabilities["pool_name"] ?? pool.report.pool
        capabilities["thin_provisioning_support"] = capabilities["thin_provisioning_support"] ?? (pool.report.thinProvisioning ? "True" : "False")
        capabilities["thick_provisioning_support"] = capabilities["thick_provisioning_support"] ?? (pool.report.thinProvisioning ? "False" : "True")
        return capabilities
    }
}

/// Cinder's extra-spec operators (`cinder/scheduler/filters/extra_specs_ops.py`).
enum ExtraSpecMatcher {
    static func matches(_ actual: String, _ requirement: String) -> Bool {
        let words = requirement.split(separator: " ").map(String.init)
        guard let op = words.first, words.count >= 2 else { return actual == requirement }
        let operand = words.dropFirst().joined(separator: " ")
        switch op {
        case "<is>": return actual.lowercased() == operand.lowercased()
        case "<in>": return actual.contains(operand)
        case "<all-in>": return words.dropFirst().allSatisfy { actual.contains($0) }
        case "<or>":
            let options = requirement.components(separatedBy: "<or>").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            return options.contains(actual)
        case "=", ">=": return (Double(actual) ?? -.infinity) >= (Double(operand) ?? .infinity)
        case "<=": return (Double(actual) ?? .infinity) <= (Double(operand) ?? -.infinity)
        case "==": return Double(actual) != nil && Double(actual) == Double(operand)
        case "!=": return Double(actual) != Double(operand)
        case "s==": return actual == operand
        case "s!=": return actual != operand
        case "s<": return actual < operand
        case "s<=": return actual <= operand
        case "s>": return actual > operand
        case "s>=": return actual >= operand
        default: return actual == requirement
        }
    }
}
