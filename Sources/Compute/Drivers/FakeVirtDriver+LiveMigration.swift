import Foundation

/// A live migration the fake source host is running: how long the transfer takes (the
/// `live_migration=delay:SECONDS` fault, nothing: instant) and what an operator asked of it.
struct OutgoingLiveMigration: Sendable {
    enum Request: Sendable { case forceComplete, abort }
    var destination: String
    var request: Request?
}

/// Live migration on the fake hypervisor, and what a test needs to act behind the cloud's
/// back. The transfer waits out its injected delay in short steps, so a force-complete or
/// an abort arriving meanwhile ends it early.
extension FakeVirtDriver {
    public func prepareIncomingLiveMigration(_ spec: GuestSpec, state: PowerState) async throws {
        try await checkFault(.preLiveMigration)
        guard guests[spec.uuid] == nil else {
            throw VirtDriverError(.guestExists, "Instance \(spec.uuid) already exists on \(hostname).")
        }
        var guest = Guest(spec: spec, state: .paused, serialPort: drawSerialPort())
        guest.arrivingState = state
        guest.console.append("fake hypervisor \(hostname): incoming live migration of \(spec.name) (\(spec.uuid))")
        guests[spec.uuid] = guest
    }

    public func liveMigrate(_ uuid: String, to destination: String) async throws {
        var guest = try existing(uuid)
        guard guest.arrivingState == nil, guest.outgoingMigration == nil else {
            throw VirtDriverError(.invalidState, "Instance \(uuid) is already being migrated.")
        }
        guest.outgoingMigration = OutgoingLiveMigration(destination: destination)
        guests[uuid] = guest
        let step = faults.take(.liveMigration)
        if let delay = step.delay {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: delay)
            while clock.now < deadline, guests[uuid]?.outgoingMigration?.request == nil {
                try? await Task.sleep(for: min(.milliseconds(20), deadline - clock.now))
            }
        }
        let request = guests[uuid]?.outgoingMigration?.request
        guests[uuid]?.outgoingMigration = nil
        if request == .abort {
            throw VirtDriverError(.aborted, "Live migration of instance \(uuid) to \(destination) was aborted.")
        }
        if let message = step.failure { throw VirtDriverError(.failed, message) }
        guests[uuid] = nil
    }

    public func finishIncomingLiveMigration(_ uuid: String) async throws {
        var guest = try existing(uuid)
        guard let state = guest.arrivingState else {
            throw VirtDriverError(.invalidState, "Instance \(uuid) is not arriving by live migration.")
        }
        guest.arrivingState = nil
        guest.state = state
        guest.startedAt = state == .running ? Date() : nil
        guest.console.append("\(guest.spec.hostname): resumed on \(hostname) after live migration")
        guests[uuid] = guest
    }

    public func rollbackIncomingLiveMigration(_ uuid: String) async throws {
        guard guests[uuid]?.arrivingState != nil else { return }
        guests[uuid] = nil
    }

    public func forceCompleteLiveMigration(_ uuid: String) async throws {
        try request(.forceComplete, of: uuid)
    }

    public func abortLiveMigration(_ uuid: String) async throws {
        try request(.abort, of: uuid)
    }

    private func request(_ request: OutgoingLiveMigration.Request, of uuid: String) throws {
        guard var migration = try existing(uuid).outgoingMigration else {
            throw VirtDriverError(.invalidState, "Instance \(uuid) is not being live migrated from \(hostname).")
        }
        migration.request = request
        guests[uuid]?.outgoingMigration = migration
    }

    /// The guest powers itself off (a `poweroff` inside it, or a crash with `crashed`),
    /// without the cloud asking: what the periodic power-state sync is there to notice.
    public func stopFromInside(_ uuid: String, crashed: Bool = false) throws {
        var guest = try existing(uuid)
        guest.state = crashed ? .crashed : .shutdown
        guest.startedAt = nil
        guest.console.append("\(guest.spec.hostname): \(crashed ? "kernel panic" : "reboot: Power down")")
        guests[uuid] = guest
    }
}
