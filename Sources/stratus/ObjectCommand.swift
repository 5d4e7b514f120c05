import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ObjectStorage
import ServiceLifecycle
import StratusKit
import Synchronization

/// `stratus object replicate|audit|update|expire|reap`: passes of the Object Storage daemons over a
/// data directory, whether a `stratus up` serves it or not.
struct ObjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "object",
        abstract: "Run the Object Storage daemons (replicators, auditor, updaters, expirer, reaper) over a data directory.",
        discussion: """
            Each command runs one pass with --once (and prints what it did), or passes forever every object.<daemon>_interval seconds. \
            When a `stratus up` serves the data directory, the passes talk to its account, container and object servers; \
            otherwise they serve those servers themselves, on free loopback ports, for as long as they run.
            """,
        subcommands: [Replicate.self, Audit.self, Update.self, Expire.self, Reap.self])

    struct PassOptions: ParsableArguments {
        @OptionGroup var options: CommonOptions

        @Flag(help: "Run one pass and exit.")
        var once = false

        @Option(help: "The address the cloud's storage servers listen on (as its rings say).")
        var host: String = "127.0.0.1"

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "warning"
    }

    struct Replicate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Object, container and account replication: push what other primaries lack, move handoffs home.")
        @OptionGroup var pass: PassOptions
        func run() async throws { try await ObjectPasses.run(command: "replicate", pass) }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-read every object, quarantine those whose bytes no longer match their ETag.")
        @OptionGroup var pass: PassOptions
        func run() async throws { try await ObjectPasses.run(command: "audit", pass) }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the container updates in async_pending and the containers' stats to their accounts.")
        @OptionGroup var pass: PassOptions
        func run() async throws { try await ObjectPasses.run(command: "update", pass) }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete objects whose X-Delete-At has passed, and their listing entries.")
        @OptionGroup var pass: PassOptions
        func run() async throws { try await ObjectPasses.run(command: "expire", pass) }
    }

    struct Reap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the objects and containers of deleted accounts (after object.delay_reaping seconds).")
        @OptionGroup var pass: PassOptions
        func run() async throws { try await ObjectPasses.run(command: "reap", pass) }
    }
}

enum ObjectPasses {
    static func run(command: String, _ pass: ObjectCommand.PassOptions) async throws {
        let daemons = DaemonRunner.commands[command]!
        let level = Logger.Level(rawValue: pass.logLevel) ?? .warning
        LoggingSystem.bootstrap { StructuredLogHandler(label: $0, level: level) }
        let logger = Logger(label: "stratus")
        let dataDirectory = pass.options.resolvedDataDir
        guard FileManager.default.fileExists(atPath: dataDirectory + "/object/rings/object.ring") else {
            throw ValidationError("\(dataDirectory) holds no Object Storage (run stratus up with --data-dir \(dataDirectory) once)")
        }
        let config = try StratusConfig.load(file: pass.options.resolvedConfigFile)
        let service = try ObjectStorageService(dataDirectory: dataDirectory, config: config, host: pass.host, logger: logger)
        do {
            if let lock = try ServingLock.tryAcquire(dataDirectory: dataDirectory) {
                try await withStorageServers(service, host: pass.host, logger: logger) { addressMap in
                    try await passes(service.makeDaemons(addressMap: addressMap), daemons, once: pass.once)
                }
                withExtendedLifetime(lock) {}
            } else {
                try await passes(service.daemons, daemons, once: pass.once)
            }
        } catch {
            await service.shutdown()
            throw error
        }
        await service.shutdown()
    }

    /// One pass of each daemon (printing its report), or each daemon forever on its interval.
    static func passes(_ runner: DaemonRunner, _ daemons: [DaemonRunner.Daemon], once: Bool) async throws {
        if once {
            for daemon in daemons {
                let report = await runner.runOnce(daemon)
                print(report)
            }
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for daemon in daemons {
                let interval = runner.intervals[daemon] ?? DaemonRunner.defaultInterval
                group.addTask {
                    while !Task.isCancelled {
                        print(await runner.runOnce(daemon))
                        try? await Task.sleep(for: .seconds(max(interval, 1)))
                    }
                }
            }
        }
    }

    /// Serves the account, container and object servers on free ports of `host` while `body`
    /// runs; `body` gets the map from the rings' addresses to those ports.
    static func withStorageServers(
        _ service: ObjectStorageService, host: String, logger: Logger,
        _ body: @escaping @Sendable ([String: String]) async throws -> Void
    ) async throws {
        let (ready, readyContinuation) = AsyncStream<(DaemonContext.Server, Int)>.makeStream()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for (kind, spec) in service.storageServers(host: host, port: { _ in 0 }) {
            let application = Application(
                router: spec.router, configuration: .init(address: .hostname(host, port: 0), serverName: nil),
                onServerRunning: { channel in readyContinuation.yield((kind, channel.localAddress?.port ?? 0)) },
                logger: logger)
            services.append(.init(service: application))
        }
        let rings = service.rings
        let work = OnePass {
            var ports: [DaemonContext.Server: Int] = [:]
            for await (kind, port) in ready {
                ports[kind] = port
                if ports.count == DaemonContext.Server.allCases.count { break }
            }
            var addressMap: [String: String] = [:]
            for (kind, ring) in [(DaemonContext.Server.object, rings.object), (.container, rings.container), (.account, rings.account)] {
                guard let port = ports[kind] else { continue }
                for device in ring.devices {
                    for (ip, ringPort) in [(device.replicationIP, device.replicationPort), (device.ip, device.port)] {
                        let address = ip.contains(":") ? "[\(ip)]:\(ringPort)" : "\(ip):\(ringPort)"
                        addressMap[address] = "\(host.contains(":") ? "[\(host)]" : host):\(port)"
                    }
                }
            }
            try await body(addressMap)
        }
        services.append(.init(service: work, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// A lifecycle service that runs `body` once (the passes, beside the servers they use).
struct OnePass: Service {
    let body: @Sendable () async throws -> Void
    func run() async throws { try await cancelWhenGracefulShutdown { try await body() } }
}
