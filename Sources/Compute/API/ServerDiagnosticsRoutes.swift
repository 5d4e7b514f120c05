import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `GET /servers/{id}/diagnostics`: the driver's own keys before 2.48, Nova's
    /// standardized body from it (a field the driver does not measure is null).
    func registerServerDiagnostics(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/servers/{server_id}/diagnostics") { _, context in
            let (instance, diagnostics) = try await manager.diagnostics(
                try context.parameters.require("server_id"), try context.requireAuth(), requestID: context.requestID)
            if Self.version(context).isAtLeast(2, 48) {
                return Self.respond(Self.standardDiagnostics(diagnostics, configDrive: !instance.configDrive.isEmpty))
            }
            return Self.respond(Self.legacyDiagnostics(diagnostics))
        }
    }

    /// The 2.48 body. The fake driver counts no CPU time, disk or network traffic, so those
    /// counters are null, as Nova reports what a driver cannot provide.
    static func standardDiagnostics(_ diagnostics: GuestDiagnostics, configDrive: Bool) -> JSONValue {
        let diskCounters = ["read_bytes", "read_requests", "write_bytes", "write_requests", "errors_count"]
        let nicCounters = [
            "rx_octets", "rx_errors", "rx_drop", "rx_packets", "rx_rate", "tx_octets", "tx_errors", "tx_drop", "tx_packets",
            "tx_rate",
        ]
        return [
            "state": .string(diagnostics.state.name), "driver": .string(diagnostics.driver), "hypervisor": .string(diagnostics.driver),
            "hypervisor_os": .null, "uptime": .int(Int64(diagnostics.uptimeSeconds)), "config_drive": .bool(configDrive),
            "num_cpus": .int(Int64(diagnostics.vcpus)), "num_nics": .int(Int64(diagnostics.nicMACs.count)),
            "num_disks": .int(Int64(diagnostics.diskDevices.count)),
            "memory_details": ["maximum": .int(Int64(diagnostics.memoryMB)), "used": .null],
            "cpu_details": .array((0..<diagnostics.vcpus).map { ["id": .int(Int64($0)), "time": .null, "utilisation": .null] }),
            "disk_details": .array(
                diagnostics.diskDevices.map { _ in .object(Dictionary(uniqueKeysWithValues: diskCounters.map { ($0, JSONValue.null) })) }),
            "nic_details": .array(
                diagnostics.nicMACs.map { mac in
                    var nic = Dictionary(uniqueKeysWithValues: nicCounters.map { ($0, JSONValue.null) })
                    nic["mac_address"] = .string(mac)
                    return .object(nic)
                }),
        ]
    }

    /// The pre-2.48 body, whose keys each driver chose: here the guest's memory in KiB (as
    /// libvirt's `memory`), its uptime and, per vCPU, disk and NIC, what it is.
    static func legacyDiagnostics(_ diagnostics: GuestDiagnostics) -> JSONValue {
        var body: [String: JSONValue] = [
            "state": .string(diagnostics.state.name), "driver": .string(diagnostics.driver),
            "uptime": .int(Int64(diagnostics.uptimeSeconds)), "memory": .int(Int64(diagnostics.memoryMB) * 1024),
            "num_cpus": .int(Int64(diagnostics.vcpus)),
        ]
        for (index, mac) in diagnostics.nicMACs.enumerated() { body["nic\(index)_mac_address"] = .string(mac) }
        body["disks"] = .array(diagnostics.diskDevices.map(JSONValue.string))
        return .object(body)
    }
}
