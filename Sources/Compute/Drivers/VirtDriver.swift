import Foundation

/// A hypervisor back end, shaped like Nova's `ComputeDriver`: the compute agent asks it to
/// build, run and tear down guests on one host, and to report what the host has. Every call
/// names the guest by its instance uuid; the agent owns the instance record and its states,
/// the driver only the guest.
///
/// Errors are `VirtDriverError`s whose message the agent puts into the instance's fault.
public protocol VirtDriver: Sendable {
    /// The hypervisor type reported for the host (`fake`, `QEMU`).
    var hypervisorType: String { get }

    /// What the host offers and what its guests use now (Nova's `get_available_resource`).
    func hostResources() async throws -> HostResources

    /// Uuids of the guests the host runs (Nova's `list_instance_uuids`).
    func listGuests() async throws -> [String]

    /// Builds and (unless `powerOn` is false) starts a guest.
    func spawn(_ guest: GuestSpec, powerOn: Bool) async throws
    /// Stops and removes a guest; its disks too when `destroyDisks`. Removing a guest the host
    /// does not have is not an error (a delete must be able to finish).
    func destroy(_ uuid: String, destroyDisks: Bool) async throws
    func reboot(_ uuid: String, kind: RebootKind) async throws
    func powerOff(_ uuid: String) async throws
    func powerOn(_ uuid: String) async throws
    func pause(_ uuid: String) async throws
    func unpause(_ uuid: String) async throws
    func suspend(_ uuid: String) async throws
    func resume(_ uuid: String) async throws
    func rescue(_ uuid: String, rescueImageID: String) async throws
    func unrescue(_ uuid: String) async throws
    /// Gives the guest a new size (Nova's `migrate_disk_and_power_off` + `finish_migration` on
    /// one host); `confirmResize` forgets the old size, `revertResize` goes back to it.
    func resize(_ uuid: String, to flavor: GuestFlavor) async throws
    func confirmResize(_ uuid: String) async throws
    func revertResize(_ uuid: String) async throws
    /// The guest's root disk as image bytes' description, for `createImage` (Nova's `snapshot`).
    func snapshot(_ uuid: String) async throws -> GuestSnapshot
    func attachInterface(_ uuid: String, _ interface: GuestInterface) async throws
    func detachInterface(_ uuid: String, portID: String) async throws
    func attachVolume(_ uuid: String, _ volume: GuestVolume) async throws
    func detachVolume(_ uuid: String, volumeID: String) async throws
    /// The serial console's text so far (Nova's `get_console_output`).
    func consoleOutput(_ uuid: String) async throws -> String
    /// Power state and the guest's current shape (Nova's `get_info`).
    func info(_ uuid: String) async throws -> GuestInfo
    /// What `GET /servers/{id}/diagnostics` shows (Nova's `get_instance_diagnostics`).
    func diagnostics(_ uuid: String) async throws -> GuestDiagnostics

    // Live migration, in Nova's order: the destination prepares an incoming guest
    // (`pre_live_migration`), the source transfers the running guest and drops its copy
    // (`live_migration`), then the destination runs it (`post_live_migration_at_destination`)
    // or, when the transfer failed, drops the incoming copy (`rollback_live_migration_at_destination`).

    /// On the destination: makes room for the guest about to arrive, to run in `state`.
    func prepareIncomingLiveMigration(_ guest: GuestSpec, state: PowerState) async throws
    /// On the source: transfers the guest to `destination`; when it returns the source no
    /// longer runs it. Throws `.aborted` when `abortLiveMigration` stopped it.
    func liveMigrate(_ uuid: String, to destination: String) async throws
    /// On the destination: the arrived guest runs from here on.
    func finishIncomingLiveMigration(_ uuid: String) async throws
    /// On the destination: drops the guest that did not arrive.
    func rollbackIncomingLiveMigration(_ uuid: String) async throws
    /// On the source, while `liveMigrate` runs: completes the transfer now (Nova's
    /// `live_migration_force_complete`, which pauses the guest so the copy converges).
    func forceCompleteLiveMigration(_ uuid: String) async throws
    /// On the source, while `liveMigrate` runs: stops it; the guest stays on the source.
    func abortLiveMigration(_ uuid: String) async throws

    /// Sets the guest's administrator password (Nova's `set_admin_password`); the guest
    /// must be running. The password is never logged.
    func setAdminPassword(_ uuid: String, password: String) async throws
    /// Sends the guest a non-maskable interrupt, which a guest set up for it answers with a
    /// crash dump (Nova's `trigger_crash_dump`); the guest must be running.
    func injectNMI(_ uuid: String) async throws
    /// Where the guest's serial console can be reached on this host (Nova's `get_serial_console`).
    func serialConsole(_ uuid: String) async throws -> GuestConsoleEndpoint
}

/// A guest console's address on its host: what a console proxy connects to.
public struct GuestConsoleEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// A path the proxy sends once connected, for drivers that multiplex consoles on one port.
    public var internalAccessPath: String?

    public init(host: String, port: Int, internalAccessPath: String? = nil) {
        self.host = host
        self.port = port
        self.internalAccessPath = internalAccessPath
    }
}

/// Nova's power states (`nova.compute.power_state`), with their stored numbers.
public enum PowerState: Int, Sendable, Codable {
    case noState = 0
    case running = 1
    case paused = 3
    case shutdown = 4
    case crashed = 6
    case suspended = 7

    /// The name Nova's diagnostics use.
    public var name: String {
        switch self {
        case .noState: "pending"
        case .running: "running"
        case .paused: "paused"
        case .shutdown: "shutdown"
        case .crashed: "crashed"
        case .suspended: "suspended"
        }
    }
}

public enum RebootKind: String, Sendable, Codable {
    case soft = "SOFT"
    case hard = "HARD"
}

/// The size of a guest, from its flavor.
public struct GuestFlavor: Sendable, Codable, Equatable {
    public var vcpus: Int
    public var memoryMB: Int
    public var rootGB: Int
    public var ephemeralGB: Int
    public var swapMB: Int

    public init(vcpus: Int, memoryMB: Int, rootGB: Int, ephemeralGB: Int = 0, swapMB: Int = 0) {
        self.vcpus = vcpus
        self.memoryMB = memoryMB
        self.rootGB = rootGB
        self.ephemeralGB = ephemeralGB
        self.swapMB = swapMB
    }

    /// Disk the guest takes on the host, in GB (root + ephemeral + swap rounded up).
    public var diskGB: Int { rootGB + ephemeralGB + (swapMB + 1023) / 1024 }
}

/// One network interface of a guest: the port it is plugged into.
public struct GuestInterface: Sendable, Codable, Equatable {
    public var portID: String
    public var macAddress: String
    public var networkID: String
    public var fixedIPs: [String]

    public init(portID: String, macAddress: String, networkID: String, fixedIPs: [String]) {
        self.portID = portID
        self.macAddress = macAddress
        self.networkID = networkID
        self.fixedIPs = fixedIPs
    }
}

/// A volume attached to a guest, with the connection the volume service handed out.
public struct GuestVolume: Sendable, Codable, Equatable {
    public var volumeID: String
    /// The device the guest sees it as (`/dev/vdb`).
    public var device: String
    /// The connection info's driver type (`file`, `iscsi` …) and its data.
    public var connectionType: String
    public var connectionData: [String: String]

    public init(volumeID: String, device: String, connectionType: String, connectionData: [String: String] = [:]) {
        self.volumeID = volumeID
        self.device = device
        self.connectionType = connectionType
        self.connectionData = connectionData
    }
}

/// Everything a driver needs to build a guest.
public struct GuestSpec: Sendable, Codable, Equatable {
    public var uuid: String
    public var name: String
    /// The hostname the guest is given (metadata and config drive).
    public var hostname: String
    public var flavor: GuestFlavor
    public var imageID: String?
    public var interfaces: [GuestInterface]
    public var volumes: [GuestVolume]
    public var userData: String?
    public var keyData: String?
    /// Personality files to put into the guest.
    public var injectedFiles: [GuestFile]
    /// The config drive to attach, with the metadata it holds; nil for none.
    public var configDrive: GuestConfigDrive?

    public init(
        uuid: String, name: String, hostname: String, flavor: GuestFlavor, imageID: String?,
        interfaces: [GuestInterface] = [], volumes: [GuestVolume] = [], userData: String? = nil, keyData: String? = nil,
        injectedFiles: [GuestFile] = [], configDrive: GuestConfigDrive? = nil
    ) {
        self.uuid = uuid
        self.name = name
        self.hostname = hostname
        self.flavor = flavor
        self.imageID = imageID
        self.interfaces = interfaces
        self.volumes = volumes
        self.userData = userData
        self.keyData = keyData
        self.injectedFiles = injectedFiles
        self.configDrive = configDrive
    }
}

/// A file handed to a guest: a personality file, or one on its config drive.
public struct GuestFile: Sendable, Codable, Equatable {
    public var path: String
    public var contents: [UInt8]

    public init(path: String, contents: [UInt8]) {
        self.path = path
        self.contents = contents
    }
}

/// A config drive (Nova's `config-2` volume): the metadata service's documents as files,
/// `openstack/latest/meta_data.json`, `ec2/latest/meta-data.json`, `openstack/content/0000` …
public struct GuestConfigDrive: Sendable, Codable, Equatable {
    /// The volume label guests look for.
    public var label: String
    public var files: [GuestFile]

    public init(label: String = "config-2", files: [GuestFile]) {
        self.label = label
        self.files = files
    }

    /// The contents of the file at `path`, or nil.
    public func file(_ path: String) -> [UInt8]? { files.first { $0.path == path }?.contents }
}

/// Nova's `InstanceInfo`: the power state and the guest's shape as the hypervisor sees it.
public struct GuestInfo: Sendable, Equatable {
    public var state: PowerState
    public var flavor: GuestFlavor
    public var rescued: Bool
}

/// A guest's root disk captured for an image.
public struct GuestSnapshot: Sendable, Equatable {
    public var diskFormat: String
    public var containerFormat: String
    public var data: [UInt8]
}

/// What the host has and what its guests use (Nova's resource report).
public struct HostResources: Sendable, Equatable, Codable {
    public var hostname: String
    public var vcpus: Int
    public var memoryMB: Int
    public var localGB: Int
    public var vcpusUsed: Int
    public var memoryMBUsed: Int
    public var localGBUsed: Int
    public var hypervisorType: String
    public var hypervisorVersion: Int
    public var runningGuests: Int

    public init(
        hostname: String, vcpus: Int, memoryMB: Int, localGB: Int, vcpusUsed: Int = 0, memoryMBUsed: Int = 0,
        localGBUsed: Int = 0, hypervisorType: String, hypervisorVersion: Int, runningGuests: Int = 0
    ) {
        self.hostname = hostname
        self.vcpus = vcpus
        self.memoryMB = memoryMB
        self.localGB = localGB
        self.vcpusUsed = vcpusUsed
        self.memoryMBUsed = memoryMBUsed
        self.localGBUsed = localGBUsed
        self.hypervisorType = hypervisorType
        self.hypervisorVersion = hypervisorVersion
        self.runningGuests = runningGuests
    }
}

/// The diagnostics of one guest, in the fields of Nova's 2.48+ diagnostics body.
public struct GuestDiagnostics: Sendable, Equatable {
    public var state: PowerState
    public var driver: String
    public var uptimeSeconds: Int
    public var vcpus: Int
    public var memoryMB: Int
    /// MAC addresses of the plugged interfaces, in plug order.
    public var nicMACs: [String]
    /// Devices of the attached disks (`vda` for the root disk, then volumes), in attach order.
    public var diskDevices: [String]
}

/// A driver's refusal or failure; `message` becomes the instance fault's message.
public struct VirtDriverError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The host has no such guest (Nova's `InstanceNotFound`).
        case guestNotFound
        /// The guest is in a power state that does not allow the operation.
        case invalidState
        /// The guest already exists (a spawn repeated).
        case guestExists
        /// The operation failed (an injected fault, or the hypervisor said no).
        case failed
        /// A live migration was stopped on request.
        case aborted
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
