import Foundation

/// The `fake` hypervisor: guests are records in memory, every operation is instant and
/// deterministic, and each host has a finite size so that scheduling has something to decide.
/// Power-state rules are the ones a real hypervisor enforces (a paused guest cannot be
/// suspended twice, a soft reboot needs a running guest …). Faults and delays can be injected
/// per operation (`FakeDriverFaultPlan`) to exercise the agent's error paths.
public actor FakeVirtDriver: VirtDriver {
    public nonisolated let hypervisorType = "fake"
    public static let hypervisorVersion = 1_000

    public nonisolated let hostname: String
    public nonisolated let capacity: Capacity
    var guests: [String: Guest] = [:]
    var faults: FakeDriverFaultPlan
    private let clock: @Sendable () -> Date

    /// The size of a fake host.
    public struct Capacity: Sendable, Equatable {
        public var vcpus: Int
        public var memoryMB: Int
        public var localGB: Int

        public init(vcpus: Int = 16, memoryMB: Int = 32_768, localGB: Int = 500) {
            self.vcpus = vcpus
            self.memoryMB = memoryMB
            self.localGB = localGB
        }
    }

    struct Guest {
        var spec: GuestSpec
        var state: PowerState
        var rescued = false
        /// The size before a resize that is not confirmed or reverted yet.
        var flavorBeforeResize: GuestFlavor?
        var startedAt: Date?
        var console: [String] = []
        /// A live migration this host is sending the guest out on (source side).
        var outgoingMigration: OutgoingLiveMigration?
        /// Set while the guest is arriving by live migration: the state it runs in once it has.
        var arrivingState: PowerState?
        /// The password the last `setAdminPassword` gave the guest (what its agent would hold).
        var adminPassword: String?
        /// Non-maskable interrupts received (each a crash dump in a guest set up for it).
        var nmiCount = 0
        /// The TCP port its serial console would listen on, drawn at spawn.
        var serialPort: Int
    }

    /// The serial console ports of a host, as Nova's `serial_console.port_range` (10000:20000).
    public static let serialPortRange = 10_000..<20_000
    private var nextSerialPort = serialPortRange.lowerBound

    public init(
        hostname: String, capacity: Capacity = Capacity(), faults: FakeDriverFaultPlan = FakeDriverFaultPlan(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.hostname = hostname
        self.capacity = capacity
        self.faults = faults
        self.clock = clock
    }

    /// Replaces the injected faults and delays.
    public func setFaults(_ plan: FakeDriverFaultPlan) { faults = plan }

    // MARK: Host

    public func hostResources() async throws -> HostResources {
        try await checkFault(.hostResources)
        let flavors = guests.values.map(\.spec.flavor)
        return HostResources(
            hostname: hostname, vcpus: capacity.vcpus, memoryMB: capacity.memoryMB, localGB: capacity.localGB,
            vcpusUsed: flavors.reduce(0) { $0 + $1.vcpus }, memoryMBUsed: flavors.reduce(0) { $0 + $1.memoryMB },
            localGBUsed: flavors.reduce(0) { $0 + $1.diskGB }, hypervisorType: hypervisorType,
            hypervisorVersion: Self.hypervisorVersion, runningGuests: guests.values.filter { $0.state == .running }.count)
    }

    public func listGuests() async throws -> [String] { guests.keys.sorted() }

    // MARK: Life cycle

    public func spawn(_ spec: GuestSpec, powerOn: Bool) async throws {
        try await checkFault(.spawn)
        guard guests[spec.uuid] == nil else { throw VirtDriverError(.guestExists, "Instance \(spec.uuid) already exists on \(hostname).") }
        var guest = Guest(spec: spec, state: .shutdown, serialPort: drawSerialPort())
        guest.console.append("fake hypervisor \(hostname): created \(spec.name) (\(spec.uuid)), \(spec.flavor.vcpus) vCPU, \(spec.flavor.memoryMB) MB")
        if let drive = spec.configDrive {
            guest.console.append("fake hypervisor \(hostname): config drive \(drive.label) with \(drive.files.count) files")
        }
        guests[spec.uuid] = guest
        if powerOn { start(spec.uuid, reason: "boot") }
    }

    public func destroy(_ uuid: String, destroyDisks: Bool) async throws {
        try await checkFault(.destroy)
        guests[uuid] = nil
    }

    public func reboot(_ uuid: String, kind: RebootKind) async throws {
        try await checkFault(.reboot)
        let guest = try existing(uuid)
        if kind == .soft, guest.state != .running {
            throw VirtDriverError(.invalidState, "Cannot soft reboot instance \(uuid) while it is \(guest.state.name).")
        }
        start(uuid, reason: kind == .soft ? "reboot" : "hard reboot")
    }

    public func powerOff(_ uuid: String) async throws {
        try await checkFault(.powerOff)
        var guest = try existing(uuid)
        guard guest.state != .shutdown else { return }
        guest.state = .shutdown
        guest.startedAt = nil
        guest.console.append("\(guest.spec.hostname): power down")
        guests[uuid] = guest
    }

    public func powerOn(_ uuid: String) async throws {
        try await checkFault(.powerOn)
        let guest = try existing(uuid)
        guard guest.state != .running else { return }
        start(uuid, reason: "power on")
    }

    public func pause(_ uuid: String) async throws {
        try await checkFault(.pause)
        try transition(uuid, from: [.running], to: .paused, operation: "pause")
    }

    public func unpause(_ uuid: String) async throws {
        try await checkFault(.unpause)
        try transition(uuid, from: [.paused], to: .running, operation: "unpause")
    }

    public func suspend(_ uuid: String) async throws {
        try await checkFault(.suspend)
        try transition(uuid, from: [.running, .paused], to: .suspended, operation: "suspend")
    }

    public func resume(_ uuid: String) async throws {
        try await checkFault(.resume)
        try transition(uuid, from: [.suspended], to: .running, operation: "resume")
    }

    public func rescue(_ uuid: String, rescueImageID: String) async throws {
        try await checkFault(.rescue)
        var guest = try existing(uuid)
        guard !guest.rescued else { throw VirtDriverError(.invalidState, "Instance \(uuid) is already rescued.") }
        guest.rescued = true
        guests[uuid] = guest
        start(uuid, reason: "rescue from image \(rescueImageID)")
    }

    public func unrescue(_ uuid: String) async throws {
        try await checkFault(.unrescue)
        var guest = try existing(uuid)
        guard guest.rescued else { throw VirtDriverError(.invalidState, "Instance \(uuid) is not rescued.") }
        guest.rescued = false
        guests[uuid] = guest
        start(uuid, reason: "unrescue")
    }

    public func resize(_ uuid: String, to flavor: GuestFlavor) async throws {
        try await checkFault(.resize)
        var guest = try existing(uuid)
        guard guest.flavorBeforeResize == nil else {
            throw VirtDriverError(.invalidState, "Instance \(uuid) has a resize to confirm or revert.")
        }
        if flavor.rootGB < guest.spec.flavor.rootGB {
            throw VirtDriverError(.failed, "Resize of instance \(uuid) would shrink its root disk from \(guest.spec.flavor.rootGB) GB to \(flavor.rootGB) GB.")
        }
        guest.flavorBeforeResize = guest.spec.flavor
        guest.spec.flavor = flavor
        guests[uuid] = guest
        start(uuid, reason: "resized to \(flavor.vcpus) vCPU, \(flavor.memoryMB) MB")
    }

    public func confirmResize(_ uuid: String) async throws {
        try await checkFault(.confirmResize)
        var guest = try existing(uuid)
        guard guest.flavorBeforeResize != nil else { throw VirtDriverError(.invalidState, "Instance \(uuid) has no resize to confirm.") }
        guest.flavorBeforeResize = nil
        guests[uuid] = guest
    }

    public func revertResize(_ uuid: String) async throws {
        try await checkFault(.revertResize)
        var guest = try existing(uuid)
        guard let previous = guest.flavorBeforeResize else { throw VirtDriverError(.invalidState, "Instance \(uuid) has no resize to revert.") }
        guest.spec.flavor = previous
        guest.flavorBeforeResize = nil
        guests[uuid] = guest
        start(uuid, reason: "resize reverted")
    }

    public func snapshot(_ uuid: String) async throws -> GuestSnapshot {
        try await checkFault(.snapshot)
        let guest = try existing(uuid)
        // A small raw disk whose bytes name the guest, so a snapshot's image can be told apart.
        var data = [UInt8](repeating: 0, count: 65_536)
        let label = Array("stratus fake disk of \(guest.spec.uuid) (\(guest.spec.imageID ?? "volume"))\n".utf8)
        data.replaceSubrange(0..<label.count, with: label)
        return GuestSnapshot(diskFormat: "raw", containerFormat: "bare", data: data)
    }

    // MARK: Devices

    public func attachInterface(_ uuid: String, _ interface: GuestInterface) async throws {
        try await checkFault(.attachInterface)
        var guest = try existing(uuid)
        guard !guest.spec.interfaces.contains(where: { $0.portID == interface.portID }) else {
            throw VirtDriverError(.invalidState, "Port \(interface.portID) is already attached to instance \(uuid).")
        }
        guest.spec.interfaces.append(interface)
        guests[uuid] = guest
    }

    public func detachInterface(_ uuid: String, portID: String) async throws {
        try await checkFault(.detachInterface)
        var guest = try existing(uuid)
        guard let index = guest.spec.interfaces.firstIndex(where: { $0.portID == portID }) else {
            throw VirtDriverError(.failed, "Port \(portID) is not attached to instance \(uuid).")
        }
        guest.spec.interfaces.remove(at: index)
        guests[uuid] = guest
    }

    public func attachVolume(_ uuid: String, _ volume: GuestVolume) async throws {
        try await checkFault(.attachVolume)
        var guest = try existing(uuid)
        guard !guest.spec.volumes.contains(where: { $0.volumeID == volume.volumeID || $0.device == volume.device }) else {
            throw VirtDriverError(.invalidState, "Volume \(volume.volumeID) or device \(volume.device) is already in use on instance \(uuid).")
        }
        guest.spec.volumes.append(volume)
        guests[uuid] = guest
    }

    public func detachVolume(_ uuid: String, volumeID: String) async throws {
        try await checkFault(.detachVolume)
        var guest = try existing(uuid)
        guard let index = guest.spec.volumes.firstIndex(where: { $0.volumeID == volumeID }) else {
            throw VirtDriverError(.failed, "Volume \(volumeID) is not attached to instance \(uuid).")
        }
        guest.spec.volumes.remove(at: index)
        guests[uuid] = guest
    }

    // MARK: Inspection

    /// The spec the guest was (last) spawned from — its config drive and files included —,
    /// or nil when the host has no such guest.
    public func spec(of uuid: String) -> GuestSpec? { guests[uuid]?.spec }

    public func consoleOutput(_ uuid: String) async throws -> String {
        try await checkFault(.consoleOutput)
        return try existing(uuid).console.map { $0 + "\n" }.joined()
    }

    public func info(_ uuid: String) async throws -> GuestInfo {
        let guest = try existing(uuid)
        return GuestInfo(state: guest.state, flavor: guest.spec.flavor, rescued: guest.rescued)
    }

    public func diagnostics(_ uuid: String) async throws -> GuestDiagnostics {
        let guest = try existing(uuid)
        let uptime = guest.startedAt.map { max(0, Int(clock().timeIntervalSince($0))) } ?? 0
        return GuestDiagnostics(
            state: guest.state, driver: hypervisorType, uptimeSeconds: uptime, vcpus: guest.spec.flavor.vcpus,
            memoryMB: guest.spec.flavor.memoryMB, nicMACs: guest.spec.interfaces.map(\.macAddress),
            diskDevices: ["vda"] + guest.spec.volumes.map { ($0.device as NSString).lastPathComponent })
    }

    public func setAdminPassword(_ uuid: String, password: String) async throws {
        try await checkFault(.setAdminPassword)
        var guest = try existing(uuid)
        guard guest.state == .running else {
            throw VirtDriverError(.invalidState, "Instance \(uuid) is not running.")
        }
        guest.adminPassword = password
        guest.console.append("\(guest.spec.hostname): the administrator password was changed")
        guests[uuid] = guest
    }

    public func injectNMI(_ uuid: String) async throws {
        try await checkFault(.injectNMI)
        var guest = try existing(uuid)
        guard guest.state == .running else {
            throw VirtDriverError(.invalidState, "Instance \(uuid) is not running.")
        }
        guest.nmiCount += 1
        guest.console.append("\(guest.spec.hostname): NMI received, writing a crash dump")
        guests[uuid] = guest
    }

    public func serialConsole(_ uuid: String) async throws -> GuestConsoleEndpoint {
        GuestConsoleEndpoint(host: "127.0.0.1", port: try existing(uuid).serialPort)
    }

    /// The password the guest was last given, for tests (nil when none was set).
    public func adminPassword(of uuid: String) throws -> String? { try existing(uuid).adminPassword }

    /// How many NMIs the guest received, for tests.
    public func nmiCount(of uuid: String) throws -> Int { try existing(uuid).nmiCount }

    // MARK: Helpers

    /// The next serial port no guest of this host uses, wrapping around the range.
    func drawSerialPort() -> Int {
        let used = Set(guests.values.map(\.serialPort))
        for _ in Self.serialPortRange {
            let port = nextSerialPort
            nextSerialPort = port + 1 < Self.serialPortRange.upperBound ? port + 1 : Self.serialPortRange.lowerBound
            if !used.contains(port) { return port }
        }
        return Self.serialPortRange.lowerBound
    }

    func existing(_ uuid: String) throws -> Guest {
        guard let guest = guests[uuid] else { throw VirtDriverError(.guestNotFound, "Instance \(uuid) could not be found on \(hostname).") }
        return guest
    }

    private func transition(_ uuid: String, from allowed: Set<PowerState>, to state: PowerState, operation: String) throws {
        var guest = try existing(uuid)
        guard allowed.contains(guest.state) else {
            throw VirtDriverError(.invalidState, "Cannot \(operation) instance \(uuid) while it is \(guest.state.name).")
        }
        guest.state = state
        guest.console.append("\(guest.spec.hostname): \(operation)")
        guests[uuid] = guest
    }

    /// Runs the guest and writes what a booting guest prints: its interfaces and addresses.
    private func start(_ uuid: String, reason: String) {
        guard var guest = guests[uuid] else { return }
        guest.state = .running
        guest.startedAt = clock()
        guest.console.append("\(guest.spec.hostname): \(reason)\(guest.rescued ? " (rescue mode)" : "")")
        for (index, interface) in guest.spec.interfaces.enumerated() {
            let addresses = interface.fixedIPs.isEmpty ? "no address" : interface.fixedIPs.joined(separator: " ")
            guest.console.append("\(guest.spec.hostname): eth\(index) \(interface.macAddress) \(addresses)")
        }
        guest.console.append("\(guest.spec.hostname) login:")
        guests[uuid] = guest
    }

    func checkFault(_ operation: FakeDriverOperation) async throws {
        let step = faults.take(operation)
        if let delay = step.delay { try await Task.sleep(for: delay) }
        if let message = step.failure { throw VirtDriverError(.failed, message) }
    }
}
