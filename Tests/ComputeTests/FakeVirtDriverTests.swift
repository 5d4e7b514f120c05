import Foundation
import Testing

@testable import Compute

@Suite("The fake virt driver")
struct FakeVirtDriverTests {
    static let small = GuestFlavor(vcpus: 1, memoryMB: 512, rootGB: 1)
    static let large = GuestFlavor(vcpus: 4, memoryMB: 4096, rootGB: 20, ephemeralGB: 5, swapMB: 1)

    static func spec(_ uuid: String = "11111111-2222-3333-4444-555555555555", flavor: GuestFlavor = small) -> GuestSpec {
        GuestSpec(
            uuid: uuid, name: "vm1", hostname: "vm1", flavor: flavor, imageID: "image-1",
            interfaces: [GuestInterface(portID: "port-1", macAddress: "fa:16:3e:00:00:01", networkID: "net-1", fixedIPs: ["192.0.2.10"])])
    }

    @Test func spawnRunsTheGuestAndTheHostCountsItsFlavor() async throws {
        let driver = FakeVirtDriver(hostname: "fake-1", capacity: .init(vcpus: 8, memoryMB: 8192, localGB: 100))
        try await driver.spawn(Self.spec(), powerOn: true)
        try await driver.spawn(Self.spec("22222222-2222-3333-4444-555555555555", flavor: Self.large), powerOn: false)
        #expect(try await driver.info(Self.spec().uuid).state == .running)
        #expect(try await driver.info("22222222-2222-3333-4444-555555555555").state == .shutdown)
        let host = try await driver.hostResources()
        #expect(host == HostResources(
            hostname: "fake-1", vcpus: 8, memoryMB: 8192, localGB: 100, vcpusUsed: 5, memoryMBUsed: 4608, localGBUsed: 27,
            hypervisorType: "fake", hypervisorVersion: FakeVirtDriver.hypervisorVersion, runningGuests: 1))
        #expect(try await driver.listGuests().count == 2)
        await #expect(throws: VirtDriverError(.guestExists, "Instance \(Self.spec().uuid) already exists on fake-1.")) {
            try await driver.spawn(Self.spec(), powerOn: true)
        }
        let console = try await driver.consoleOutput(Self.spec().uuid)
        #expect(console.contains("eth0 fa:16:3e:00:00:01 192.0.2.10"))
        #expect(console.hasSuffix("vm1 login:\n"))
    }

    @Test func powerStatesFollowTheHypervisorsRules() async throws {
        let driver = FakeVirtDriver(hostname: "fake-1")
        let uuid = Self.spec().uuid
        try await driver.spawn(Self.spec(), powerOn: true)
        try await driver.pause(uuid)
        #expect(try await driver.info(uuid).state == .paused)
        await #expect(throws: VirtDriverError.self) { try await driver.pause(uuid) }
        await #expect(throws: VirtDriverError.self) { try await driver.reboot(uuid, kind: .soft) }
        try await driver.suspend(uuid)
        #expect(try await driver.info(uuid).state == .suspended)
        await #expect(throws: VirtDriverError.self) { try await driver.unpause(uuid) }
        try await driver.resume(uuid)
        try await driver.powerOff(uuid)
        try await driver.powerOff(uuid)
        #expect(try await driver.info(uuid).state == .shutdown)
        try await driver.reboot(uuid, kind: .hard)
        #expect(try await driver.info(uuid).state == .running)
        try await driver.rescue(uuid, rescueImageID: "rescue-image")
        #expect(try await driver.info(uuid).rescued)
        await #expect(throws: VirtDriverError.self) { try await driver.rescue(uuid, rescueImageID: "rescue-image") }
        try await driver.unrescue(uuid)
        #expect(try await driver.info(uuid).rescued == false)
        try await driver.destroy(uuid, destroyDisks: true)
        try await driver.destroy(uuid, destroyDisks: true)
        await #expect(throws: VirtDriverError(.guestNotFound, "Instance \(uuid) could not be found on fake-1.")) {
            try await driver.info(uuid)
        }
    }

    @Test func resizeIsConfirmedOrRevertedAndNeverShrinksTheRootDisk() async throws {
        let driver = FakeVirtDriver(hostname: "fake-1")
        let uuid = Self.spec().uuid
        try await driver.spawn(Self.spec(), powerOn: true)
        try await driver.resize(uuid, to: Self.large)
        #expect(try await driver.info(uuid).flavor == Self.large)
        await #expect(throws: VirtDriverError.self) { try await driver.resize(uuid, to: Self.large) }
        try await driver.revertResize(uuid)
        #expect(try await driver.info(uuid).flavor == Self.small)
        await #expect(throws: VirtDriverError.self) { try await driver.confirmResize(uuid) }
        try await driver.resize(uuid, to: Self.large)
        try await driver.confirmResize(uuid)
        #expect(try await driver.info(uuid).flavor == Self.large)
        await #expect(throws: VirtDriverError.self) { try await driver.resize(uuid, to: Self.small) }
    }

    @Test func devicesAppearInDiagnostics() async throws {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let now = LockedDate(start)
        let driver = FakeVirtDriver(hostname: "fake-1", clock: { now.value })
        let uuid = Self.spec().uuid
        try await driver.spawn(Self.spec(), powerOn: true)
        try await driver.attachVolume(uuid, GuestVolume(volumeID: "vol-1", device: "/dev/vdb", connectionType: "file"))
        await #expect(throws: VirtDriverError.self) {
            try await driver.attachVolume(uuid, GuestVolume(volumeID: "vol-2", device: "/dev/vdb", connectionType: "file"))
        }
        try await driver.attachInterface(uuid, GuestInterface(portID: "port-2", macAddress: "fa:16:3e:00:00:02", networkID: "net-1", fixedIPs: []))
        now.value = start.addingTimeInterval(42)
        var diagnostics = try await driver.diagnostics(uuid)
        #expect(diagnostics.diskDevices == ["vda", "vdb"])
        #expect(diagnostics.nicMACs == ["fa:16:3e:00:00:01", "fa:16:3e:00:00:02"])
        #expect(diagnostics.uptimeSeconds == 42)
        #expect(diagnostics.state == .running)
        try await driver.detachVolume(uuid, volumeID: "vol-1")
        try await driver.detachInterface(uuid, portID: "port-1")
        await #expect(throws: VirtDriverError.self) { try await driver.detachInterface(uuid, portID: "port-1") }
        diagnostics = try await driver.diagnostics(uuid)
        #expect(diagnostics.diskDevices == ["vda"])
        #expect(diagnostics.nicMACs == ["fa:16:3e:00:00:02"])
        let snapshot = try await driver.snapshot(uuid)
        #expect(snapshot.diskFormat == "raw")
        #expect(String(decoding: snapshot.data.prefix(60), as: UTF8.self).contains(uuid))
    }

    @Test func passwordsNMIsAndSerialPortsNeedARunningGuest() async throws {
        let driver = FakeVirtDriver(hostname: "fake-1")
        let first = Self.spec()
        let second = Self.spec("22222222-2222-3333-4444-555555555555")
        try await driver.spawn(first, powerOn: true)
        try await driver.spawn(second, powerOn: true)
        try await driver.setAdminPassword(first.uuid, password: "s3cret")
        #expect(try await driver.adminPassword(of: first.uuid) == "s3cret")
        #expect(try await driver.adminPassword(of: second.uuid) == nil)
        #expect(!(try await driver.consoleOutput(first.uuid)).contains("s3cret"), "the console names no password")
        try await driver.injectNMI(first.uuid)
        #expect(try await driver.nmiCount(of: first.uuid) == 1)
        let ports = [try await driver.serialConsole(first.uuid).port, try await driver.serialConsole(second.uuid).port]
        #expect(ports[0] != ports[1])
        #expect(ports.allSatisfy { FakeVirtDriver.serialPortRange.contains($0) })

        try await driver.powerOff(first.uuid)
        await #expect(throws: VirtDriverError(.invalidState, "Instance \(first.uuid) is not running.")) {
            try await driver.setAdminPassword(first.uuid, password: "other")
        }
        await #expect(throws: VirtDriverError.self) { try await driver.injectNMI(first.uuid) }
        #expect(try await driver.adminPassword(of: first.uuid) == "s3cret")
    }

    @Test func injectedFaultsFailTheirCallsThenStop() async throws {
        let plan = try FakeDriverFaultPlan(parsing: "spawn=fail*2, reboot=delay:0.01")
        let driver = FakeVirtDriver(hostname: "fake-1", faults: plan)
        let fault = VirtDriverError(.failed, "Injected fault: spawn failed on purpose (fake driver).")
        await #expect(throws: fault) { try await driver.spawn(Self.spec(), powerOn: true) }
        await #expect(throws: fault) { try await driver.spawn(Self.spec(), powerOn: true) }
        try await driver.spawn(Self.spec(), powerOn: true)
        let started = ContinuousClock.now
        try await driver.reboot(Self.spec().uuid, kind: .soft)
        #expect(ContinuousClock.now - started >= .milliseconds(10))

        var always = FakeDriverFaultPlan()
        always.fail(.snapshot)
        await driver.setFaults(always)
        for _ in 0..<3 { await #expect(throws: VirtDriverError.self) { try await driver.snapshot(Self.spec().uuid) } }
    }

    @Test func faultPlansRefuseWhatTheyCannotRead() throws {
        for bad in ["spawn", "boot=fail", "spawn=fail*0", "spawn=explode", "reboot=delay:-1", "reboot=delay:x"] {
            #expect(throws: FakeDriverFaultPlan.ParseError.self) { try FakeDriverFaultPlan(parsing: bad) }
        }
        #expect(try FakeDriverFaultPlan(parsing: "") == FakeDriverFaultPlan())
    }
}

/// A date the test moves by hand (the driver's clock).
final class LockedDate: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Date
    init(_ date: Date) { stored = date }
    var value: Date {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
