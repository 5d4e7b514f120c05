import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-simple-tenant-usage` (every project, admins; `detailed=1` adds the servers) and
    /// `/os-simple-tenant-usage/{project}`, over `start`…`end` (both default to now);
    /// paged by instance (`limit`, `marker`) from 2.40.
    func registerUsage(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/os-simple-tenant-usage") { request, context in
            let auth = try context.requireAuth()
            let (start, end, page) = try Self.usageQuery(request, context)
            let usages = try await manager.usage(auth, projectID: nil, from: start, to: end, page: page)
            let detailed = request.query("detailed").flatMap { Int($0) }.map { $0 != 0 } ?? false
            var byProject: [String: [ServerUsage]] = [:]
            for usage in usages { byProject[usage.instance.projectID, default: []].append(usage) }
            var body: [String: JSONValue] = [
                "tenant_usages": .array(
                    byProject.keys.sorted().map {
                        Self.tenantUsage($0, byProject[$0] ?? [], start: start, end: end, detailed: detailed)
                    })
            ]
            if Self.version(context).isAtLeast(2, 40), page.isFull(usages.count), let last = usages.last {
                body["tenant_usages_links"] = ComputeWire.nextLinks(
                    versionedURL + "/os-simple-tenant-usage", request, marker: last.instance.uuid)
            }
            return Self.respond(.object(body))
        }
        router.get("/v2.1/os-simple-tenant-usage/{project}") { request, context in
            let auth = try context.requireAuth()
            let project = try context.parameters.require("project")
            let (start, end, page) = try Self.usageQuery(request, context)
            let usages = try await manager.usage(auth, projectID: project, from: start, to: end, page: page)
            var body: [String: JSONValue] = [
                "tenant_usage": usages.isEmpty ? [:] : Self.tenantUsage(project, usages, start: start, end: end, detailed: true)
            ]
            if Self.version(context).isAtLeast(2, 40), page.isFull(usages.count), let last = usages.last {
                body["tenant_usage_links"] = ComputeWire.nextLinks(
                    versionedURL + "/os-simple-tenant-usage/\(project)", request, marker: last.instance.uuid)
            }
            return Self.respond(.object(body))
        }
    }

    private static func usageQuery(_ request: Request, _ context: StratusRequestContext) throws -> (Timestamp, Timestamp, ListPage) {
        func time(_ name: String) throws -> Timestamp {
            guard let text = request.query(name) else { return .now() }
            guard let parsed = Timestamp.parse(text) else {
                throw ComputeErrors.badRequest("Invalid \(name) time. The \(name) time is not in a valid format.")
            }
            return parsed
        }
        let page =
            version(context).isAtLeast(2, 40)
            ? try ListPage(limit: request.query("limit"), marker: request.query("marker")) : ListPage.unlimited
        return (try time("start"), try time("end"), page)
    }

    private static func tenantUsage(
        _ project: String, _ usages: [ServerUsage], start: Timestamp, end: Timestamp, detailed: Bool
    ) -> JSONValue {
        var body: [String: JSONValue] = [
            "tenant_id": .string(project), "start": .string(start.iso8601NoZone), "stop": .string(end.iso8601NoZone),
            "total_hours": .double(usages.reduce(0) { $0 + $1.hours }),
            "total_vcpus_usage": .double(usages.reduce(0) { $0 + $1.hours * Double($1.instance.vcpus) }),
            "total_memory_mb_usage": .double(usages.reduce(0) { $0 + $1.hours * Double($1.instance.memoryMB) }),
            "total_local_gb_usage": .double(usages.reduce(0) { $0 + $1.hours * Double($1.localGB) }),
        ]
        if detailed {
            body["server_usages"] = .array(
                usages.map { usage in
                    [
                        "instance_id": .string(usage.instance.uuid), "name": .string(usage.instance.name),
                        "tenant_id": .string(usage.instance.projectID), "flavor": .string(usage.instance.flavorName),
                        "hours": .double(usage.hours), "vcpus": .int(usage.instance.vcpus),
                        "memory_mb": .int(usage.instance.memoryMB), "local_gb": .int(usage.localGB),
                        "started_at": .string(usage.instance.launchedAt.iso8601NoZone),
                        "ended_at": .optional(usage.endedAt?.iso8601NoZone), "state": .string(usage.state),
                        "uptime": .int(usage.uptime),
                    ]
                })
        }
        return .object(body)
    }
}
