import Foundation
import StratusKit

/// The account, container and object rings of a one-host cloud: `deviceCount` devices, one per
/// zone (zones 1 … N, region 1), named `d1` … `dN`, weight 100, on each server's standard port
/// (object 6200, container 6201, account 6202, as in Swift), `min(replicas, deviceCount)` replicas.
public enum DefaultRings {
    public static let kinds = ["account", "container", "object"]
    public static let ports = ["object": 6200, "container": 6201, "account": 6202]

    /// Creates, in `directory`, `account|container|object.builder` and `.ring` for each ring
    /// whose ring file does not exist yet (an existing builder is reused: devices are added only
    /// to a builder that has none). Returns the paths of the ring files written.
    @discardableResult
    public static func ensure(
        in directory: String, deviceCount: Int, ip: String = "127.0.0.1", partPower: Int = 10, replicas: Int = 3,
        minPartHours: Int = 1, ports: [String: Int] = DefaultRings.ports, seed: UInt64? = nil, now: Timestamp = .now()
    ) throws -> [String] {
        guard deviceCount >= 1 else { throw RingError.invalidParameter("at least one device is needed") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for kind in kinds {
            let builderPath = "\(directory)/\(kind).builder"
            let ringPath = "\(directory)/\(kind).ring"
            guard !FileManager.default.fileExists(atPath: ringPath) else { continue }
            var builder =
                FileManager.default.fileExists(atPath: builderPath)
                ? try RingBuilderFile.load(builderPath)
                : try RingBuilder(partPower: partPower, replicas: min(replicas, deviceCount), minPartHours: minPartHours)
            if builder.liveDevices.isEmpty {
                guard let port = ports[kind] else { throw RingError.invalidParameter("no port for the \(kind) ring") }
                for index in 1...deviceCount {
                    try builder.addDevice(region: 1, zone: index, ip: ip, port: port, device: "d\(index)", weight: 100)
                }
            }
            if builder.devicesChanged || !builder.hasBeenRebalanced {
                try builder.rebalance(now: now, seed: seed)
            }
            try RingBuilderFile.write(builder, to: builderPath)
            try RingFile.write(try builder.ringData(), to: ringPath)
            written.append(ringPath)
        }
        return written
    }
}
