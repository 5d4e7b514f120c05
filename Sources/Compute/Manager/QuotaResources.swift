import StratusKit

/// Nova's quota resources, their default limits, and which microversions still show them.
enum QuotaResources {
    static let novaDefaults: [String: Int64] = [
        "instances": 10, "cores": 20, "ram": 51200, "metadata_items": 128, "key_pairs": 100, "server_groups": 10,
        "server_group_members": 10, "injected_files": 5, "injected_file_content_bytes": 10240,
        "injected_file_path_bytes": 255, "fixed_ips": -1, "floating_ips": 10, "security_groups": 10,
        "security_group_rules": 20,
    ]

    /// Network resources, gone from quota bodies from 2.36.
    static let networkResources: Set<String> = ["fixed_ips", "floating_ips", "security_groups", "security_group_rules"]
    /// Personality files, gone from quota bodies from 2.57.
    static let fileResources: Set<String> = ["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"]

    /// The resources a body of `version` carries, in name order.
    static func shown(at version: Microversion) -> [String] {
        novaDefaults.keys.filter { resource in
            if version.isAtLeast(2, 36), networkResources.contains(resource) { return false }
            if version.isAtLeast(2, 57), fileResources.contains(resource) { return false }
            return true
        }.sorted()
    }
}
