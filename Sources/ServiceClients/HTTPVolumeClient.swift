import AsyncHTTPClient
import StratusKit

/// `VolumeClient` over the Block Storage (Cinder v3) REST API at microversion 3.54 (the
/// attachments API with `os-complete` and `mode`). The catalog type is `block-storage`; its
/// URL names a project (`…/v3/<project>`), replaced in every call by the caller's project.
public struct HTTPVolumeClient: VolumeClient {
    /// The microversion every request asks for.
    public static let microversion = "3.54"
    let caller: ServiceCaller

    public init(session: ServiceSession, httpClient: HTTPClient = .shared) {
        var caller = ServiceCaller(
            session: session, httpClient: httpClient, serviceType: "block-storage", serviceName: "block-storage")
        caller.defaultHeaders = [("OpenStack-API-Version", "volume \(Self.microversion)")]
        caller.endpointRoot = Self.versionRoot
        self.caller = caller
    }

    /// The endpoint without its project segment: `http://host:8776/v3/abc` → `http://host:8776/v3`;
    /// an endpoint that already ends in its version (`…/v3`, as overrides give it) is kept.
    static func versionRoot(_ endpoint: String) -> String {
        guard let slash = endpoint.lastIndex(of: "/") else { return endpoint }
        let last = endpoint[endpoint.index(after: slash)...]
        if last.first == "v", last.dropFirst().allSatisfy(\.isNumber), last.count > 1 { return endpoint }
        if endpoint[..<slash].hasSuffix(":/") || endpoint[..<slash].hasSuffix("/") { return endpoint }
        return String(endpoint[..<slash])
    }

    private static func path(_ caller: VolumeCaller, _ rest: String) -> String {
        "/" + ServiceCaller.encode(caller.projectID) + rest
    }

    private static func volumePath(_ caller: VolumeCaller, _ id: String) -> String {
        path(caller, "/volumes/" + ServiceCaller.encode(id))
    }

    private static func attachmentPath(_ caller: VolumeCaller, _ id: String) -> String {
        path(caller, "/attachments/" + ServiceCaller.encode(id))
    }

    public func volume(id: String, as who: VolumeCaller) async throws -> VolumeSummary? {
        let answer = try await caller.send(.GET, Self.volumePath(who, id), token: who.token)
        if answer.status == 404 { return nil }
        return try summary(try caller.field(try caller.expect(answer, 200), "volume"))
    }

    public func createVolume(_ request: VolumeCreateRequest, as who: VolumeCaller) async throws -> String {
        var volume: [String: JSONValue] = ["size": .int(request.size)]
        volume["name"] = request.name.map(JSONValue.string)
        volume["imageRef"] = request.imageRef.map(JSONValue.string)
        volume["snapshot_id"] = request.snapshotID.map(JSONValue.string)
        volume["source_volid"] = request.sourceVolumeID.map(JSONValue.string)
        volume["availability_zone"] = request.availabilityZone.map(JSONValue.string)
        volume["volume_type"] = request.volumeType.map(JSONValue.string)
        let answer = try caller.expect(
            try await caller.send(.POST, Self.path(who, "/volumes"), json: ["volume": .object(volume)], token: who.token),
            202)
        guard let id = try caller.field(answer, "volume")["id"]?.stringValue else {
            throw ServiceClientError(service: caller.serviceName, status: answer.status, message: "The new volume has no id")
        }
        return id
    }

    public func deleteVolume(id: String, as who: VolumeCaller) async throws {
        _ = try caller.expect(try await caller.send(.DELETE, Self.volumePath(who, id), token: who.token), 202, 404)
    }

    public func createAttachment(
        volumeID: String, instanceUUID: String, connector: VolumeConnector?, mode: String, as who: VolumeCaller
    ) async throws -> String {
        let attachment: JSONValue = [
            "volume_uuid": .string(volumeID), "instance_uuid": .string(instanceUUID),
            "connector": connector.map(Self.connectorJSON) ?? .null, "mode": .string(mode),
        ]
        let answer = try caller.expect(
            try await caller.send(.POST, Self.path(who, "/attachments"), json: ["attachment": attachment], token: who.token),
            200)
        guard let id = try caller.field(answer, "attachment")["id"]?.stringValue else {
            throw ServiceClientError(service: caller.serviceName, status: answer.status, message: "The new attachment has no id")
        }
        return id
    }

    public func updateAttachment(
        id: String, connector: VolumeConnector, as who: VolumeCaller
    ) async throws -> VolumeConnectionInfo {
        let answer = try caller.expect(
            try await caller.send(
                .PUT, Self.attachmentPath(who, id), json: ["attachment": ["connector": Self.connectorJSON(connector)]],
                token: who.token),
            200)
        let info = try caller.field(answer, "attachment")["connection_info"]
        guard let type = info?["driver_volume_type"]?.stringValue else {
            throw ServiceClientError(
                service: caller.serviceName, status: answer.status, message: "The attachment \(id) has no connection info")
        }
        var data: [String: String] = [:]
        for (key, value) in info?["data"]?.objectValue ?? [:] {
            switch value {
            case .null: continue
            case .string(let text): data[key] = text
            default: data[key] = value.jsonText()
            }
        }
        return VolumeConnectionInfo(driverVolumeType: type, data: data)
    }

    public func completeAttachment(id: String, as who: VolumeCaller) async throws {
        _ = try caller.expect(
            try await caller.send(
                .POST, Self.attachmentPath(who, id) + "/action", json: ["os-complete": .null], token: who.token),
            204, 200)
    }

    public func deleteAttachment(id: String, as who: VolumeCaller) async throws {
        _ = try caller.expect(try await caller.send(.DELETE, Self.attachmentPath(who, id), token: who.token), 200, 204, 404)
    }

    /// os-brick's connector properties as Cinder reads them.
    static func connectorJSON(_ connector: VolumeConnector) -> JSONValue {
        var object: [String: JSONValue] = [
            "host": .string(connector.host), "ip": .string(connector.ip), "platform": .string(connector.platform),
            "os_type": .string(connector.osType), "multipath": .bool(connector.multipath),
        ]
        object["mountpoint"] = connector.mountpoint.map(JSONValue.string)
        return .object(object)
    }

    private func summary(_ json: JSONValue) throws -> VolumeSummary {
        guard let id = json["id"]?.stringValue else {
            throw ServiceClientError(service: caller.serviceName, status: 200, message: "A volume in the response lacks its id")
        }
        // Cinder renders `bootable` as the text "true"/"false".
        let bootable = json["bootable"]?.boolValue ?? (json["bootable"]?.stringValue?.lowercased() == "true")
        let attachments = (json["attachments"]?.arrayValue ?? []).compactMap { item -> VolumeAttachmentSummary? in
            guard let server = item["server_id"]?.stringValue, let attachment = item["attachment_id"]?.stringValue else {
                return nil
            }
            return VolumeAttachmentSummary(serverID: server, attachmentID: attachment, device: item["device"]?.stringValue)
        }
        return VolumeSummary(
            id: id, status: json["status"]?.stringValue ?? "", size: json["size"]?.intValue ?? 0,
            name: json["name"]?.stringValue, attachments: attachments, multiattach: json["multiattach"]?.boolValue ?? false,
            bootable: bootable, availabilityZone: json["availability_zone"]?.stringValue)
    }
}
