import Foundation
import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-hypervisors`: list, detail, show, statistics (before 2.88), uptime (before 2.88),
    /// search and servers by hostname (before 2.53; from 2.53 the `hypervisor_hostname_pattern`
    /// and `with_servers` queries). Ids are integers before 2.53, uuids from it; 2.88 drops
    /// the sizes and usage from the bodies and adds `uptime`.
    func registerHypervisors(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/os-hypervisors") { request, context in
            try await listHypervisors(request, context, detailed: false)
        }
        router.get("/v2.1/os-hypervisors/detail") { request, context in
            try await listHypervisors(request, context, detailed: true)
        }
        router.get("/v2.1/os-hypervisors/statistics") { _, context in
            let auth = try context.requireAuth()
            guard !Self.version(context).isAtLeast(2, 88) else { throw ComputeErrors.versionNotFound }
            let all = try await manager.hypervisors(auth, rule: "statistics")
            func sum(_ value: (HypervisorView) -> Int64) -> JSONValue { .int(all.reduce(0) { $0 + value($1) }) }
            return Self.respond([
                "hypervisor_statistics": [
                    "count": .int(Int64(all.count)), "vcpus": sum(\.node.vcpus), "memory_mb": sum(\.node.memoryMB),
                    "local_gb": sum(\.node.localGB), "vcpus_used": sum(\.node.vcpusUsed),
                    "memory_mb_used": sum(\.node.memoryMBUsed), "local_gb_used": sum(\.node.localGBUsed),
                    "free_ram_mb": sum { $0.node.memoryMB - $0.node.memoryMBUsed },
                    "free_disk_gb": sum { $0.node.localGB - $0.node.localGBUsed },
                    "disk_available_least": sum { $0.node.localGB - $0.node.localGBUsed },
                    "current_workload": sum { Int64($0.instances.filter(\.busy).count) },
                    "running_vms": sum { Int64($0.instances.count) },
                ]
            ])
        }
        router.get("/v2.1/os-hypervisors/{id}") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let id = try Self.hypervisorID(context, version)
            var withServers = false
            if version.isAtLeast(2, 53) { withServers = try Self.flag(request, "with_servers") }
            let found = try await manager.hypervisor(auth, id: id, byUUID: version.isAtLeast(2, 53), rule: "show")
            return Self.respond([
                "hypervisor": Self.hypervisorBody(found, detailed: true, withServers: withServers, version: version)
            ])
        }
        router.get("/v2.1/os-hypervisors/{id}/uptime") { _, context -> Response in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            guard !version.isAtLeast(2, 88) else { throw ComputeErrors.versionNotFound }
            let id = try Self.hypervisorID(context, version)
            _ = try await manager.hypervisor(auth, id: id, byUUID: version.isAtLeast(2, 53), rule: "uptime")
            // The virt drivers report no host uptime: Nova's answer for such a driver.
            throw APIError(.notImplemented, "Virt driver does not implement uptime function.")
        }
        router.get("/v2.1/os-hypervisors/{id}/search") { _, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            guard !version.isAtLeast(2, 53) else { throw ComputeErrors.versionNotFound }
            let found = try await manager.searchHypervisors(auth, pattern: try context.parameters.require("id"), rule: "search")
            return Self.respond([
                "hypervisors": .array(found.map { Self.hypervisorBody($0, detailed: false, withServers: false, version: version) })
            ])
        }
        router.get("/v2.1/os-hypervisors/{id}/servers") { _, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            guard !version.isAtLeast(2, 53) else { throw ComputeErrors.versionNotFound }
            let found = try await manager.searchHypervisors(auth, pattern: try context.parameters.require("id"), rule: "servers")
            return Self.respond([
                "hypervisors": .array(found.map { Self.hypervisorBody($0, detailed: false, withServers: true, version: version) })
            ])
        }
    }

    private func listHypervisors(_ request: Request, _ context: StratusRequestContext, detailed: Bool) async throws -> Response {
        let auth = try context.requireAuth()
        let version = Self.version(context)
        var withServers = false
        var pattern: String?
        if version.isAtLeast(2, 53) {
            withServers = try Self.flag(request, "with_servers")
            pattern = request.query("hypervisor_hostname_pattern")
        }
        let page =
            version.isAtLeast(2, 33) ? try ListPage(limit: request.query("limit"), marker: request.query("marker")) : .unlimited
        let rule = detailed ? "list-detail" : "list"
        var found: [HypervisorView]
        if let pattern {
            if request.query("limit") != nil || request.query("marker") != nil {
                throw ComputeErrors.badRequest(
                    "Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.")
            }
            found = try await manager.searchHypervisors(auth, pattern: pattern, rule: rule)
        } else {
            let key: (HypervisorView) -> String = { version.isAtLeast(2, 53) ? $0.node.uuid : String($0.node.id) }
            found = try page.apply(
                try await manager.hypervisors(auth, rule: rule), key: key,
                markerMissing: ComputeErrors.badRequest("marker [\(page.marker ?? "")] not found"))
        }
        var body: [String: JSONValue] = [
            "hypervisors": .array(found.map { Self.hypervisorBody($0, detailed: detailed, withServers: withServers, version: version) })
        ]
        if version.isAtLeast(2, 33), pattern == nil, page.isFull(found.count), let last = found.last {
            body["hypervisors_links"] = ComputeWire.nextLinks(
                versionedURL + (detailed ? "/os-hypervisors/detail" : "/os-hypervisors"), request,
                marker: version.isAtLeast(2, 53) ? last.node.uuid : String(last.node.id))
        }
        return Self.respond(.object(body))
    }

    /// The path's id: a uuid from 2.53 (400 otherwise), any text before.
    private static func hypervisorID(_ context: StratusRequestContext, _ version: Microversion) throws -> String {
        let id = try context.parameters.require("id")
        if version.isAtLeast(2, 53), UUID(uuidString: id) == nil { throw ComputeErrors.badRequest("Invalid uuid \(id)") }
        return id
    }

    /// A strict boolean query parameter (absent is false).
    static func flag(_ request: Request, _ name: String) throws -> Bool {
        guard let text = request.query(name) else { return false }
        guard let flag = BooleanText.parse(text) else {
            throw ComputeErrors.invalidInput(name, .string(text), "'\(text)' is not a valid boolean value")
        }
        return flag
    }

    static func hypervisorBody(_ view: HypervisorView, detailed: Bool, withServers: Bool, version: Microversion) -> JSONValue {
        let node = view.node
        let byUUID = version.isAtLeast(2, 53)
        var body: [String: JSONValue] = [
            "id": byUUID ? .string(node.uuid) : .int(node.id), "hypervisor_hostname": .string(node.hypervisorHostname),
            "state": view.isUp ? "up" : "down", "status": view.service?.disabled == true ? "disabled" : "enabled",
        ]
        if detailed {
            body["hypervisor_type"] = .string(node.hypervisorType)
            body["hypervisor_version"] = .int(node.hypervisorVersion)
            body["host_ip"] = .string(node.hostIP)
            body["service"] = [
                "id": view.service.map { byUUID ? .string($0.uuid) : .int($0.id) } ?? .null, "host": .string(node.host),
                "disabled_reason": .optional(view.service?.disabledReason),
            ]
            if version.isAtLeast(2, 88) {
                // No virt driver reports host uptime: null, as Nova shows for such drivers.
                body["uptime"] = .null
            } else {
                body["vcpus"] = .int(node.vcpus)
                body["memory_mb"] = .int(node.memoryMB)
                body["local_gb"] = .int(node.localGB)
                body["vcpus_used"] = .int(node.vcpusUsed)
                body["memory_mb_used"] = .int(node.memoryMBUsed)
                body["local_gb_used"] = .int(node.localGBUsed)
                body["free_ram_mb"] = .int(node.memoryMB - node.memoryMBUsed)
                body["free_disk_gb"] = .int(node.localGB - node.localGBUsed)
                body["disk_available_least"] = .int(node.localGB - node.localGBUsed)
                body["current_workload"] = .int(Int64(view.instances.filter(\.busy).count))
                body["running_vms"] = .int(Int64(view.instances.count))
                if version.isAtLeast(2, 28) {
                    body["cpu_info"] = (try? JSONValue.parse(bytes: Array(node.cpuInfo.utf8))) ?? [:]
                } else {
                    body["cpu_info"] = .string(node.cpuInfo)
                }
            }
        }
        if withServers {
            if !view.instances.isEmpty {
                body["servers"] = .array(view.instances.map { ["name": .string($0.name), "uuid": .string($0.uuid)] })
            } else if version.isAtLeast(2, 75) {
                body["servers"] = []
            }
        }
        return .object(body)
    }
}
