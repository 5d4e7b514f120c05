import AsyncHTTPClient
import StratusKit

/// `PlacementClient` over the Placement REST API at microversion 1.39.
public struct HTTPPlacementClient: PlacementClient {
    static let microversion = "placement 1.39"
    /// Attempts at a generation-guarded update before giving up on conflicts.
    static let conflictAttempts = 10
    let caller: ServiceCaller

    public init(session: ServiceSession, httpClient: HTTPClient = .shared) {
        caller = ServiceCaller(
            session: session, httpClient: httpClient, serviceType: "placement", serviceName: "placement",
            defaultHeaders: [("OpenStack-API-Version", Self.microversion)])
    }

    private static func providerPath(_ uuid: String) -> String {
        "/resource_providers/" + ServiceCaller.encode(uuid)
    }

    public func ensureResourceProvider(uuid: String, name: String, parentUUID: String?) async throws {
        let existing = try await caller.send(.GET, Self.providerPath(uuid))
        let body: JSONValue = ["name": .string(name), "parent_provider_uuid": .optional(parentUUID)]
        switch existing.status {
        case 200:
            let provider = existing.json
            if provider?["name"]?.stringValue == name, provider?["parent_provider_uuid"]?.stringValue == parentUUID { return }
            _ = try caller.expect(try await caller.send(.PUT, Self.providerPath(uuid), json: body), 200)
        case 404:
            var create = body.objectValue!
            create["uuid"] = .string(uuid)
            let created = try await caller.send(.POST, "/resource_providers", json: .object(create))
            if created.status == 409 {
                // Another worker may have created it meanwhile: fine if it is this provider.
                let again = try await caller.send(.GET, Self.providerPath(uuid))
                if again.status == 200 { return }
            }
            _ = try caller.expect(created, 200, 201)
        default:
            throw caller.error(existing)
        }
    }

    public func setInventories(providerUUID: String, _ inventories: [String: PlacementInventory]) async throws {
        let body = JSONValue.object(
            inventories.mapValues { inventory in
                [
                    "total": .int(Int64(inventory.total)), "reserved": .int(Int64(inventory.reserved)),
                    "min_unit": .int(Int64(inventory.minUnit)), "max_unit": .int(Int64(inventory.maxUnit)),
                    "step_size": .int(Int64(inventory.stepSize)), "allocation_ratio": .double(inventory.allocationRatio),
                ]
            })
        try await replaceGuarded(Self.providerPath(providerUUID) + "/inventories", key: "inventories", value: body)
    }

    public func setTraits(providerUUID: String, _ traits: [String]) async throws {
        for trait in traits where trait.hasPrefix("CUSTOM_") {
            _ = try caller.expect(try await caller.send(.PUT, "/traits/" + ServiceCaller.encode(trait)), 201, 204)
        }
        try await replaceGuarded(
            Self.providerPath(providerUUID) + "/traits", key: "traits", value: .array(traits.map(JSONValue.string)))
    }

    public func setAggregates(providerUUID: String, _ aggregateUUIDs: [String]) async throws {
        try await replaceGuarded(
            Self.providerPath(providerUUID) + "/aggregates", key: "aggregates",
            value: .array(aggregateUUIDs.map(JSONValue.string)))
    }

    /// Reads the provider's generation at `path`, then PUTs `{key: value, resource_provider_generation}`;
    /// a 409 `placement.concurrent_update` (someone changed the provider in between) starts over
    /// after a short random pause that grows with each attempt, so racing writers spread out.
    private func replaceGuarded(_ path: String, key: String, value: JSONValue) async throws {
        for attempt in 0..<Self.conflictAttempts {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(Int.random(in: 5...(20 * attempt)))) }
            let current = try caller.expect(try await caller.send(.GET, path), 200)
            guard let generation = current.json?["resource_provider_generation"]?.intValue else {
                throw ServiceClientError(
                    service: "placement", status: 200, message: "\(path) did not report resource_provider_generation")
            }
            let answer = try await caller.send(
                .PUT, path, json: [key: value, "resource_provider_generation": .int(generation)])
            if answer.status == 200 { return }
            if answer.status == 409, Self.isGenerationConflict(answer) { continue }
            throw caller.error(answer)
        }
        throw ServiceClientError(
            service: "placement", status: 409,
            message: "\(path): the provider kept changing; gave up after \(Self.conflictAttempts) attempts")
    }

    static func isGenerationConflict(_ response: ServiceResponse) -> Bool {
        response.json?["errors"]?.arrayValue?.first?["code"]?.stringValue == "placement.concurrent_update"
    }

    public func deleteResourceProvider(uuid: String) async throws {
        _ = try caller.expect(try await caller.send(.DELETE, Self.providerPath(uuid)), 204, 404)
    }

    public func allocationCandidates(_ request: AllocationCandidateRequest) async throws -> AllocationCandidates {
        var items: [(String, String)] = [
            ("resources", request.resources.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))
        ]
        let traits = request.required + request.forbidden.map { "!" + $0 }
        if !traits.isEmpty { items.append(("required", traits.joined(separator: ","))) }
        for aggregates in request.memberOf where !aggregates.isEmpty {
            items.append(("member_of", aggregates.count == 1 ? aggregates[0] : "in:" + aggregates.joined(separator: ",")))
        }
        if let inTree = request.inTree { items.append(("in_tree", inTree)) }
        if let limit = request.limit { items.append(("limit", String(limit))) }
        let answer = try caller.expect(try await caller.send(.GET, "/allocation_candidates" + ServiceCaller.query(items)), 200)
        let requests = (try caller.field(answer, "allocation_requests").arrayValue ?? []).map { entry in
            Self.amounts(entry["allocations"])
        }
        var summaries: [String: ProviderSummary] = [:]
        for (uuid, summary) in try caller.field(answer, "provider_summaries").objectValue ?? [:] {
            var resources: [String: ProviderResource] = [:]
            for (resourceClass, usage) in summary["resources"]?.objectValue ?? [:] {
                resources[resourceClass] = ProviderResource(
                    capacity: Int(usage["capacity"]?.intValue ?? 0), used: Int(usage["used"]?.intValue ?? 0))
            }
            summaries[uuid] = ProviderSummary(
                resources: resources, traits: (summary["traits"]?.arrayValue ?? []).compactMap(\.stringValue),
                parentProviderUUID: summary["parent_provider_uuid"]?.stringValue,
                rootProviderUUID: summary["root_provider_uuid"]?.stringValue ?? uuid)
        }
        return AllocationCandidates(allocationRequests: requests, providerSummaries: summaries)
    }

    /// `{rp: {"resources": {class: n}, …}}` → rp → class → n.
    static func amounts(_ allocations: JSONValue?) -> [String: [String: Int]] {
        (allocations?.objectValue ?? [:]).mapValues { provider in
            (provider["resources"]?.objectValue ?? [:]).compactMapValues { $0.intValue.map { Int($0) } }
        }
    }

    private static func allocationPath(_ consumerUUID: String) -> String {
        "/allocations/" + ServiceCaller.encode(consumerUUID)
    }

    public func claimAllocations(
        consumerUUID: String, allocations: [String: [String: Int]], projectID: String, userID: String, consumerGeneration: Int?
    ) async throws -> Bool {
        let body: JSONValue = [
            "allocations": .object(
                allocations.mapValues { resources in
                    ["resources": .object(resources.mapValues { .int(Int64($0)) })]
                }),
            "project_id": .string(projectID), "user_id": .string(userID),
            "consumer_generation": consumerGeneration.map { .int(Int64($0)) } ?? .null,
            "consumer_type": "INSTANCE",
        ]
        let answer = try await caller.send(.PUT, Self.allocationPath(consumerUUID), json: body)
        switch answer.status {
        case 204: return true
        case 409: return false
        default: throw caller.error(answer)
        }
    }

    public func allocations(consumerUUID: String) async throws -> (allocations: [String: [String: Int]], consumerGeneration: Int?) {
        let answer = try caller.expect(try await caller.send(.GET, Self.allocationPath(consumerUUID)), 200)
        return (Self.amounts(answer.json?["allocations"]), answer.json?["consumer_generation"]?.intValue.map { Int($0) })
    }

    public func deleteAllocations(consumerUUID: String) async throws {
        _ = try caller.expect(try await caller.send(.DELETE, Self.allocationPath(consumerUUID)), 204, 404)
    }

    public func usages(providerUUID: String) async throws -> [String: Int] {
        let answer = try caller.expect(try await caller.send(.GET, Self.providerPath(providerUUID) + "/usages"), 200)
        return (try caller.field(answer, "usages").objectValue ?? [:]).compactMapValues { $0.intValue.map { Int($0) } }
    }
}
