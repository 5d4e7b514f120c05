import Foundation
import StratusKit

/// The filters, sort keys and paging of `GET /servers` and `/servers/detail`, as Nova reads
/// them. Non-admins get Nova's user-visible filters only; the rest are ignored for them.
struct ServerListQuery: Sendable {
    var name: String?
    var status: String?
    var image: String?
    var flavor: String?
    var ip: String?
    var ip6: String?
    var changesSince: Timestamp?
    var changesBefore: Timestamp?
    var allTenants = false
    var projectID: String?
    var userID: String?
    var host: String?
    var node: String?
    var availabilityZone: String?
    var reservationID: String?
    var deleted: Bool?
    var locked: Bool?
    var tags: [String] = []
    var tagsAny: [String] = []
    var notTags: [String] = []
    var notTagsAny: [String] = []
    var sortKeys: [String] = []
    var sortDirs: [String] = []
    var page: ListPage

    static let sortableKeys: Set<String> = [
        "access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone", "config_drive", "created_at",
        "display_description", "display_name", "host", "hostname", "image_ref", "instance_type_id", "kernel_id",
        "key_name", "launch_index", "launched_at", "locked", "locked_by", "node", "power_state", "progress",
        "project_id", "ramdisk_id", "root_device_name", "task_state", "terminated_at", "updated_at", "user_id", "uuid",
        "vm_state",
    ]

    init(_ items: [(name: String, value: String)], version: Microversion) throws {
        func value(_ key: String) -> String? { items.last(where: { $0.name == key })?.value }
        func list(_ key: String) -> [String] {
            value(key).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        }
        name = value("name")
        status = value("status")
        image = value("image")
        flavor = value("flavor")
        ip = value("ip")
        ip6 = value("ip6")
        if let text = value("changes-since") {
            guard let time = Timestamp.parse(text) else {
                throw ComputeErrors.invalidInput("changes-since", .string(text), "'\(text)' is not a 'date-time'")
            }
            changesSince = time
        }
        if let text = value("changes-before") {
            guard let time = Timestamp.parse(text) else {
                throw ComputeErrors.invalidInput("changes-before", .string(text), "'\(text)' is not a 'date-time'")
            }
            changesBefore = time
        }
        if let text = value("all_tenants") { allTenants = text.isEmpty || BooleanText.parse(text) ?? true }
        projectID = value("project_id") ?? value("tenant_id")
        userID = value("user_id")
        host = value("host")
        node = value("node")
        availabilityZone = value("availability_zone")
        reservationID = value("reservation_id")
        deleted = value("deleted").flatMap(BooleanText.parse)
        if version.isAtLeast(2, 73), let text = value("locked") {
            guard let flag = BooleanText.parse(text) else {
                throw ComputeErrors.invalidInput("locked", .string(text), "'\(text)' is not a valid boolean")
            }
            locked = flag
        }
        if version.isAtLeast(2, 26) {
            tags = list("tags")
            tagsAny = list("tags-any")
            notTags = list("not-tags")
            notTagsAny = list("not-tags-any")
        }
        sortKeys = items.filter { $0.name == "sort_key" }.map(\.value)
        sortDirs = items.filter { $0.name == "sort_dir" }.map(\.value)
        for key in sortKeys where !Self.sortableKeys.contains(key) {
            throw ComputeErrors.badRequest("Invalid input for field/attribute sort_key. Value: \(key). '\(key)' is not one of \(Self.sortableKeys.sorted())")
        }
        for dir in sortDirs where dir != "asc" && dir != "desc" {
            throw ComputeErrors.badRequest("Invalid input for field/attribute sort_dir. Value: \(dir). '\(dir)' is not one of ['asc', 'desc']")
        }
        page = try ListPage(limit: value("limit"), marker: value("marker"))
    }

    /// The filters applied in memory: name (a regular expression, as Nova's), image, flavor,
    /// IP (a regular expression on any address), locked, and the admin-only ones.
    func apply(to instances: [InstanceRecord], isAdmin: Bool) throws -> [InstanceRecord] {
        var instances = instances
        if let name {
            guard let regex = try? NSRegularExpression(pattern: name) else {
                throw ComputeErrors.badRequest("Invalid regular expression for name: \(name)")
            }
            instances = instances.filter {
                regex.firstMatch(in: $0.name, range: NSRange($0.name.startIndex..., in: $0.name)) != nil
            }
        }
        if let image { instances = instances.filter { $0.imageRef == image } }
        if let flavor { instances = instances.filter { $0.flavor.flavorID == flavor } }
        for pattern in [ip, ip6].compactMap({ $0 }) {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
            instances = instances.filter { instance in
                instance.networkInfo.flatMap(\.addresses).contains {
                    regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil
                }
            }
        }
        if let locked { instances = instances.filter { ($0.lockedBy != nil) == locked } }
        if let changesBefore { instances = instances.filter { $0.updatedAt <= changesBefore } }
        if isAdmin {
            if let userID { instances = instances.filter { $0.userID == userID } }
            if let node { instances = instances.filter { $0.node == node } }
            if let availabilityZone { instances = instances.filter { $0.availabilityZone == availabilityZone } }
        }
        return instances
    }

    func matchesTags(_ instance: InstanceRecord) -> Bool {
        let tags = Set(instance.tags)
        if !self.tags.isEmpty, !self.tags.allSatisfy(tags.contains) { return false }
        if !tagsAny.isEmpty, !tagsAny.contains(where: tags.contains) { return false }
        if !notTags.isEmpty, notTags.allSatisfy(tags.contains) { return false }
        if !notTagsAny.isEmpty, notTagsAny.contains(where: tags.contains) { return false }
        return true
    }

    /// Sorted by the sort keys (default `created_at` then `uuid`, newest first), then paged
    /// by marker (a server uuid) and limit.
    func sortAndPage(_ instances: [InstanceRecord]) throws -> [InstanceRecord] {
        var keys = sortKeys.isEmpty ? ["created_at"] : sortKeys
        var dirs = sortDirs
        while dirs.count < keys.count { dirs.append(dirs.last ?? "desc") }
        keys.append("uuid")
        dirs.append(dirs.last ?? "desc")
        let sorted = instances.sorted { left, right in
            for (key, dir) in zip(keys, dirs) {
                let a = Self.sortValue(left, key), b = Self.sortValue(right, key)
                if a == b { continue }
                return dir == "asc" ? a < b : a > b
            }
            return false
        }
        return try page.apply(sorted, key: \.uuid, markerMissing: ComputeErrors.badRequest("marker [\(page.marker ?? "")] not found"))
    }

    /// A comparable rendering of a sort key's value (times zero-padded so text order is time order).
    private static func sortValue(_ instance: InstanceRecord, _ key: String) -> String {
        func time(_ stamp: Timestamp?) -> String {
            guard let stamp else { return "" }
            let text = String(stamp.microseconds)
            return String(repeating: "0", count: max(0, 20 - text.count)) + text
        }
        switch key {
        case "created_at": return time(instance.createdAt)
        case "updated_at": return time(instance.updatedAt)
        case "launched_at": return time(instance.launchedAt)
        case "terminated_at": return time(instance.terminatedAt)
        case "display_name": return instance.name
        case "display_description": return instance.description ?? ""
        case "hostname": return instance.hostname
        case "host": return instance.host ?? ""
        case "node": return instance.node ?? ""
        case "vm_state": return instance.vmState
        case "task_state": return instance.taskState ?? ""
        case "power_state": return String(instance.powerState)
        case "project_id": return instance.projectID
        case "user_id": return instance.userID
        case "key_name": return instance.keyName ?? ""
        case "availability_zone": return instance.availabilityZone ?? ""
        case "image_ref": return instance.imageRef
        case "locked", "locked_by": return instance.lockedBy ?? ""
        case "launch_index": return String(format: "%010d", instance.launchIndex)
        case "uuid": return instance.uuid
        case "access_ip_v4": return instance.accessIPv4 ?? ""
        case "access_ip_v6": return instance.accessIPv6 ?? ""
        case "progress": return String(format: "%03d", instance.progress)
        case "instance_type_id": return instance.flavor.flavorID
        default: return ""
        }
    }
}
