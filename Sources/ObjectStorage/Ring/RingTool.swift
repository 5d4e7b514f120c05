import Foundation
import StratusKit

/// What `stratus ring …` does, over builder files, as swift-ring-builder does: each function
/// loads the builder, changes it, saves it atomically and returns the text to print.
public enum RingTool {
    /// Selects devices by any of their fields; a selection used to change a device must match exactly one.
    public struct DeviceSelector: Sendable, Equatable {
        public var id: Int?
        public var region: Int?
        public var zone: Int?
        public var ip: String?
        public var port: Int?
        public var device: String?

        public init(
            id: Int? = nil, region: Int? = nil, zone: Int? = nil, ip: String? = nil, port: Int? = nil,
            device: String? = nil
        ) {
            self.id = id
            self.region = region
            self.zone = zone
            self.ip = ip
            self.port = port
            self.device = device
        }

        var isEmpty: Bool { self == DeviceSelector() }

        func one(in builder: RingBuilder) throws -> RingDevice {
            guard !isEmpty else {
                throw RingError.deviceSelection("select a device with --id, or with --region/--zone/--ip/--port/--device")
            }
            let matches = builder.devices(id: id, region: region, zone: zone, ip: ip, port: port, name: device)
            guard matches.count == 1 else {
                if matches.isEmpty { throw RingError.deviceSelection("no device matches") }
                throw RingError.deviceSelection(
                    "\(matches.count) devices match; narrow the selection:\n"
                        + matches.map { "  id \($0.id): \($0.label)" }.joined(separator: "\n"))
            }
            return matches[0]
        }
    }

    /// The ring file written next to a builder: `object.builder` → `object.ring`.
    public static func defaultRingPath(forBuilder path: String) -> String {
        (path.hasSuffix(".builder") ? String(path.dropLast(".builder".count)) : path) + ".ring"
    }

    /// Creates a builder file; refuses to overwrite one unless `overwrite`.
    public static func create(
        builder path: String, partPower: Int, replicas: Int, minPartHours: Int, overwrite: Bool = false
    ) throws -> String {
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw RingError.badFile(path: path, reason: "already exists (pass --force to replace it)")
        }
        let builder = try RingBuilder(partPower: partPower, replicas: replicas, minPartHours: minPartHours)
        try RingBuilderFile.write(builder, to: path)
        return "Created \(path): \(builder.partitions) partitions (part power \(partPower)), \(replicas) replicas, "
            + "min part hours \(minPartHours), id \(builder.id)"
    }

    public static func add(builder path: String, device: RingDevice) throws -> String {
        var builder = try RingBuilderFile.load(path)
        let added = try builder.add(device)
        try RingBuilderFile.write(builder, to: path)
        return "Device \(added.label) with weight \(format(added.weight)) got id \(added.id); rebalance to give it partitions"
    }

    public static func setWeight(builder path: String, selector: DeviceSelector, weight: Double) throws -> String {
        var builder = try RingBuilderFile.load(path)
        let device = try selector.one(in: builder)
        try builder.setWeight(weight, ofDevice: device.id)
        try RingBuilderFile.write(builder, to: path)
        return "Device \(device.id) \(device.label) weight set to \(format(weight)) (was \(format(device.weight))); "
            + "rebalance to move partitions"
    }

    public static func remove(builder path: String, selector: DeviceSelector) throws -> String {
        var builder = try RingBuilderFile.load(path)
        let device = try selector.one(in: builder)
        try builder.remove(device: device.id)
        try RingBuilderFile.write(builder, to: path)
        return "Device \(device.id) \(device.label) marked for removal; the next rebalance moves its partitions off and drops it"
    }

    public static func pretendMinPartHoursPassed(builder path: String) throws -> String {
        var builder = try RingBuilderFile.load(path)
        builder.pretendMinPartHoursPassed()
        try RingBuilderFile.write(builder, to: path)
        return "Every partition may move at the next rebalance"
    }

    /// What `rebalance` did: the text, and whether anything was written.
    public struct RebalanceOutcome: Sendable {
        public var text: String
        public var wrote: Bool
        public var result: RebalanceResult?
    }

    /// Rebalances and, when partitions moved, devices changed, the ring file is missing or
    /// `force` is set, saves the builder and writes the ring file (`ringPath`, default
    /// `defaultRingPath(forBuilder:)`), both atomically.
    public static func rebalance(
        builder path: String, ringPath: String? = nil, seed: UInt64? = nil, force: Bool = false,
        now: Timestamp = .now()
    ) throws -> RebalanceOutcome {
        var builder = try RingBuilderFile.load(path)
        let ringPath = ringPath ?? defaultRingPath(forBuilder: path)
        let devicesChanged = builder.devicesChanged
        let secondsLeft = builder.minPartSecondsLeft(now: now)
        let result = try builder.rebalance(now: now, seed: seed)
        let ringMissing = !FileManager.default.fileExists(atPath: ringPath)
        guard result.movedPartReplicas > 0 || devicesChanged || ringMissing || force else {
            var text = "No partitions could be reassigned; nothing written."
            if secondsLeft > 0, result.devicesOffTarget > 0 {
                text += "\nPartitions moved in the last \(builder.minPartHours) hours cannot move again yet "
                    + "(\(duration(secondsLeft)) left)."
            } else {
                text += "\nThe ring is as balanced as it can be; there is no need to rebalance now."
            }
            return RebalanceOutcome(text: text, wrote: false, result: result)
        }
        try RingBuilderFile.write(builder, to: path)
        try RingFile.write(try builder.ringData(), to: ringPath)
        let total = builder.replicas * builder.partitions
        var lines = [
            "Reassigned \(result.movedPartReplicas) of \(total) partition-replicas "
                + "(\(format(100 * Double(result.movedPartReplicas) / Double(total)))%) in \(result.movedPartitions) partitions. "
                + "Balance is now \(format(result.balance)). Dispersion is now \(format(result.dispersion)).",
            "Wrote \(ringPath) (version \(builder.version)) and \(path).",
        ]
        if !result.removedDevices.isEmpty {
            lines.append("Removed devices: \(result.removedDevices.map(String.init).joined(separator: ", ")).")
        }
        if result.devicesOffTarget > 0 {
            lines.append(
                "NOTE: \(result.devicesOffTarget) devices still hold more than their share: partitions moved in the "
                    + "last \(builder.minPartHours) hours stay put, or no placement keeps replicas apart. "
                    + "Push this ring, wait \(builder.minPartHours) hours and rebalance again.")
        }
        if result.devicesOffTarget == 0, result.balance > 1 {
            lines.append(
                "NOTE: balance \(format(result.balance)): the shares by weight cannot all be met while replicas spread "
                    + "over regions and zones first (a device holds at most one replica of a partition); "
                    + "`stratus ring show` lists each device's planned share.")
        }
        if result.dispersion > 0 {
            lines.append(
                "NOTE: dispersion \(format(result.dispersion)): some partitions have replicas closer together than "
                    + "the topology allows (see `stratus ring show --tiers`).")
        }
        return RebalanceOutcome(text: lines.joined(separator: "\n"), wrote: true, result: result)
    }

    /// Writes the ring file from the builder as it is (no rebalance).
    public static func writeRing(builder path: String, ringPath: String? = nil) throws -> String {
        let builder = try RingBuilderFile.load(path)
        let ringPath = ringPath ?? defaultRingPath(forBuilder: path)
        try RingFile.write(try builder.ringData(), to: ringPath)
        return "Wrote \(ringPath) (version \(builder.version))"
    }

    /// The parameters, the ring file's state, the devices with their partitions and balance,
    /// and the dispersion (per tier with `tiers`).
    public static func show(builder path: String, ringPath: String? = nil, tiers: Bool = false, now: Timestamp = .now())
        throws -> String
    {
        let builder = try RingBuilderFile.load(path)
        let ringPath = ringPath ?? defaultRingPath(forBuilder: path)
        let devices = builder.liveDevices
        let report = builder.dispersionReport()
        var lines: [String] = []
        lines.append("\(path), build version \(builder.version), id \(builder.id)")
        lines.append(
            "\(builder.partitions) partitions (part power \(builder.partPower)), \(builder.replicas) replicas, "
                + "\(Set(devices.map(\.region)).count) regions, \(Set(devices.map { [$0.region, $0.zone] }).count) zones, "
                + "\(devices.count) devices, \(format(builder.balance())) balance, \(format(report.dispersion)) dispersion")
        lines.append(
            "The minimum number of hours before a partition can be reassigned is \(builder.minPartHours) "
                + "(\(duration(builder.minPartSecondsLeft(now: now))) remaining)")
        if let last = builder.lastRebalance {
            lines.append("Last rebalanced \(last.iso8601Seconds)")
        } else {
            lines.append("Never rebalanced")
        }
        if !FileManager.default.fileExists(atPath: ringPath) {
            lines.append("Ring file \(ringPath) not found (rebalance writes it)")
        } else if let ring = try? RingFile.load(ringPath) {
            let current =
                (try? builder.ringData()).map {
                    $0.devices == ring.devices && $0.assignments == ring.assignments && $0.builderID == ring.builderID
                } ?? false
            lines.append("Ring file \(ringPath) is \(current ? "up to date" : "obsolete (rebalance or write-ring)")")
        } else {
            lines.append("Ring file \(ringPath) is invalid")
        }
        if devices.isEmpty {
            lines.append("No devices")
        } else {
            let parts = builder.partsPerDevice()
            let balance = builder.balancePerDevice()
            let planned = builder.plannedParts()
            let rows = devices.sorted { ($0.region, $0.zone, $0.ip, $0.device) < ($1.region, $1.zone, $1.ip, $1.device) }
                .map { device -> [String] in
                    [
                        String(device.id), String(device.region), String(device.zone), address(device.ip, device.port),
                        address(device.replicationIP, device.replicationPort), device.device, format(device.weight),
                        String(device.id < parts.count ? parts[device.id] : 0), String(planned[device.id] ?? 0),
                        format(balance[device.id] ?? 0),
                        builder.pendingRemoval.contains(device.id) ? "DEL" : "", device.meta,
                    ]
                }
            lines.append("Devices:")
            lines += table(
                header: ["id", "region", "zone", "ip address:port", "replication ip:port", "name", "weight", "partitions",
                    "planned", "balance", "flags", "meta"],
                rows: rows, rightAligned: [0, 1, 2, 6, 7, 8, 9])
        }
        if builder.hasBeenRebalanced {
            if let worst = report.worstTier {
                lines.append("Dispersion is \(format(report.dispersion)); worst tier \(worst.name) (\(format(worst.dispersion)))")
            } else {
                lines.append("Dispersion is \(format(report.dispersion)): every partition is spread as far as the topology allows")
            }
            if tiers {
                let rows = report.tiers.map { tier in
                    [tier.name, String(tier.placedParts), format(tier.dispersion), String(tier.maxReplicas)]
                        + tier.partitionsWith.map(String.init)
                }
                lines += table(
                    header: ["Tier", "Parts", "%", "Max"] + (0...builder.replicas).map(String.init), rows: rows,
                    rightAligned: Set(1...(4 + builder.replicas)))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", abs(value) < 0.005 ? 0 : value) }

    static func duration(_ seconds: Int64) -> String {
        String(format: "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    static func address(_ ip: String, _ port: Int) -> String {
        (ip.contains(":") ? "[\(ip)]" : ip) + ":\(port)"
    }

    static func table(header: [String], rows: [[String]], rightAligned: Set<Int>) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ["  " + line(header)] + rows.map { "  " + line($0) }
    }
}
