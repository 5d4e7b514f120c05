import ArgumentParser
import Foundation
import ObjectStorage

/// `stratus ring …`: builds the Object Storage rings, as swift-ring-builder does.
struct RingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ring",
        abstract: "Build the Object Storage rings (account, container, object) over builder files.",
        discussion: """
            A ring maps each of 2^PART_POWER partitions to REPLICAS devices. Devices sit in regions, zones and servers (their ip); the builder keeps the replicas of a partition in distinct regions, then zones, then servers, then devices, as far as the topology allows, and gives each device a share of the partition-replicas proportional to its weight. A partition is the top PART_POWER bits of MD5(hash path prefix + /account/container/object + hash path suffix).

            The builder file (e.g. object.builder, JSON) holds the parameters, the devices and the assignments; `rebalance` writes the ring file the servers load (object.ring next to the builder, compact binary), which the servers notice and reload. Device changes take effect at the next rebalance. Keep copies of the builder files: a lost builder means a new ring that moves nearly every partition.

            Typical use:
              stratus ring create object.builder \\
                  --part-power 10 --replicas 3 --min-part-hours 1
              stratus ring add object.builder --region 1 --zone 1 \\
                  --ip 127.0.0.1 --port 6200 --device d1 --weight 100
              (one add per device, then)
              stratus ring rebalance object.builder
              stratus ring show object.builder

            Exit status: 0 done, 1 nothing to do (rebalance moved nothing and wrote nothing), 2 error.
            """,
        subcommands: [
            Create.self, Add.self, SetWeight.self, Remove.self, Rebalance.self, Show.self, WriteRing.self,
            PretendMinPartHoursPassed.self,
        ])

    /// Prints the error and exits with status 2, as swift-ring-builder does for errors.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as RingError {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a builder file with 2^PART_POWER partitions and REPLICAS replicas.",
            discussion: """
                Choose the part power for the largest the cluster will ever be: about 100 partitions per device at that size or more (2^PART_POWER >= 100 × devices / replicas is a floor). It cannot change later. Part power 10 (1024 partitions) suits a small or test cluster; the maximum is 24.
                """)

        @Argument(help: "The builder file to create, e.g. object.builder.")
        var builder: String

        @Option(help: "Partitions are 2^PART_POWER (0-24).")
        var partPower: Int

        @Option(help: "Replicas of each partition (1-64); a ring needs at least this many devices with weight.")
        var replicas: Int

        @Option(
            help: """
                Hours a partition stays where a rebalance put it before another rebalance may move it again (so replication can copy it first); removing a device overrides it. Swift suggests at least the time a full replication pass takes.
                """)
        var minPartHours: Int

        @Flag(help: "Replace an existing builder file (its devices and assignments are lost).")
        var force = false

        func run() throws {
            try RingCommand.run {
                print(
                    try RingTool.create(
                        builder: builder, partPower: partPower, replicas: replicas, minPartHours: minPartHours,
                        overwrite: force))
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a device; it gets partitions at the next rebalance.",
            discussion: """
                The device gets the lowest free id (ids of removed devices are reused). Region and zone are numbers (0 or more); ip is an IPv4 or IPv6 address or a host name of the server serving the device on port; device is its directory name under the server's devices root. No two devices may share ip, port and device name.
                """)

        @Argument(help: "The builder file.")
        var builder: String

        @Option(help: "Region of the device (0 or more); regions are the widest failure domain.")
        var region: Int

        @Option(help: "Zone of the device within its region (0 or more).")
        var zone: Int

        @Option(help: "Address of the server serving the device (IPv4, IPv6 or host name).")
        var ip: String

        @Option(help: "TCP port of the server process serving the device (1-65535).")
        var port: Int

        @Option(help: "Address the replicator uses (default: --ip).")
        var replicationIp: String?

        @Option(help: "Port the replicator uses (default: --port).")
        var replicationPort: Int?

        @Option(help: "Name of the device on its server, e.g. sdb1 or d1 (no '/').")
        var device: String

        @Option(help: "Relative capacity, e.g. 100 per TB; the device's share of partitions is proportional to it.")
        var weight: Double

        @Option(help: "Free text kept with the device (hardware, install date ...).")
        var meta: String = ""

        func run() throws {
            try RingCommand.run {
                print(
                    try RingTool.add(
                        builder: builder,
                        device: RingDevice(
                            id: 0, region: region, zone: zone, ip: ip, port: port, replicationIP: replicationIp,
                            replicationPort: replicationPort, device: device, weight: weight, meta: meta)))
            }
        }
    }

    /// Which device `set-weight` and `remove` act on: the given fields must match exactly one device.
    struct Selection: ParsableArguments {
        @Option(help: "The device's id (as `show` lists).")
        var id: Int?

        @Option(help: "Match devices in this region.")
        var region: Int?

        @Option(help: "Match devices in this zone.")
        var zone: Int?

        @Option(help: "Match devices on this server address.")
        var ip: String?

        @Option(help: "Match devices on this port.")
        var port: Int?

        @Option(help: "Match devices with this name.")
        var device: String?

        var selector: RingTool.DeviceSelector {
            RingTool.DeviceSelector(id: id, region: region, zone: zone, ip: ip, port: port, device: device)
        }
    }

    struct SetWeight: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-weight",
            abstract: "Change a device's weight; partitions move at the next rebalance.",
            discussion: """
                Select the device with --id, or with any of --region, --zone, --ip, --port, --device that together match exactly one device. Weight 0 drains the device (its partitions move off as min part hours allows) but keeps it in the ring; `remove` takes it out. Change weights gradually on a live cluster: each rebalance moves only partitions not moved within min part hours.
                """)

        @Argument(help: "The builder file.")
        var builder: String

        @OptionGroup var selection: Selection

        @Option(help: "The new weight (0 or more).")
        var weight: Double

        func run() throws {
            try RingCommand.run {
                print(try RingTool.setWeight(builder: builder, selector: selection.selector, weight: weight))
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a device for removal; the next rebalance moves all its partitions off and drops it.",
            discussion: """
                Select the device with --id, or with any of --region, --zone, --ip, --port, --device that together match exactly one device. Removal is for failed or retired devices: its partitions move at the next rebalance whatever min part hours says. To empty a working device gently, set its weight to 0 first.
                """)

        @Argument(help: "The builder file.")
        var builder: String

        @OptionGroup var selection: Selection

        func run() throws {
            try RingCommand.run { print(try RingTool.remove(builder: builder, selector: selection.selector)) }
        }
    }

    struct Rebalance: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reassign partitions and write the ring file.",
            discussion: """
                Moves replicas off removed devices, places unassigned replicas, spreads replicas that are closer together than the topology allows, then moves replicas from devices above their share to devices below it, never more than one replica of a partition per rebalance and never a partition moved within min part hours (except off removed devices). Only the surplus moves: adding a device moves about its share.

                When something moved, devices changed, the ring file is missing or --force is given, the builder file is saved and the ring file written (both atomically: temporary file, then rename). Otherwise nothing is written and the exit status is 1. The output gives the partition-replicas moved, the balance (largest % a device is off its share by weight) and the dispersion (% of partition-replicas closer together than the topology allows); a NOTE says when a further rebalance after min part hours would improve them.
                """)

        @Argument(help: "The builder file.")
        var builder: String

        @Option(name: .shortAndLong, help: "The ring file to write (default: the builder's path with .builder replaced by .ring).")
        var output: String?

        @Option(help: "Seed for the random choices, to make the same ring again from the same builder.")
        var seed: UInt64?

        @Flag(help: "Write the builder and ring files even when nothing moved.")
        var force = false

        func run() throws {
            var wrote = true
            try RingCommand.run {
                let outcome = try RingTool.rebalance(builder: builder, ringPath: output, seed: seed, force: force)
                print(outcome.text)
                wrote = outcome.wrote
            }
            if !wrote { throw ExitCode(1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a builder: parameters, ring file state, devices with their partitions and balance, dispersion.",
            discussion: """
                The devices table lists id, region, zone, ip:port, replication ip:port, name, weight, partitions (partition-replicas held), planned (what the next rebalance aims to give it: its share by weight, adjusted so replicas can spread over regions and zones), balance (% above or below the device's share by weight; 999.99 for a device with weight 0 that still holds partitions) and flags (DEL: marked for removal). With --tiers, the dispersion table lists every region (r1), zone (r1z2), server (r1z2-ip) and device (r1z2-ip/name) with its partition-replicas, the % beyond its maximum, the maximum replicas of one partition it should hold, and how many partitions have 0, 1, 2 ... replicas in it.
                """)

        @Argument(help: "The builder file.")
        var builder: String

        @Option(help: "The ring file to compare with (default: the builder's path with .builder replaced by .ring).")
        var ring: String?

        @Flag(help: "Also show the dispersion of every tier.")
        var tiers = false

        func run() throws {
            try RingCommand.run { print(try RingTool.show(builder: builder, ringPath: ring, tiers: tiers)) }
        }
    }

    struct WriteRing: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write-ring",
            abstract: "Write the ring file from the builder as it is, without rebalancing (e.g. after losing the ring file).")

        @Argument(help: "The builder file.")
        var builder: String

        @Option(name: .shortAndLong, help: "The ring file to write (default: the builder's path with .builder replaced by .ring).")
        var output: String?

        func run() throws {
            try RingCommand.run { print(try RingTool.writeRing(builder: builder, ringPath: output)) }
        }
    }

    struct PretendMinPartHoursPassed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pretend-min-part-hours-passed",
            abstract: "Let every partition move at the next rebalance, whatever min part hours says.",
            discussion: "Only safe when no partition still needs replicating after the last rebalance (e.g. an empty cluster).")

        @Argument(help: "The builder file.")
        var builder: String

        func run() throws {
            try RingCommand.run { print(try RingTool.pretendMinPartHoursPassed(builder: builder)) }
        }
    }
}
