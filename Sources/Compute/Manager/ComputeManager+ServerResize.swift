import StratusKit

/// Resize and cold migration on the API side: the new flavor checked (it must differ and
/// not shrink the disk, and its growth must fit the quota) and kept on the server until the
/// conductor has moved it.
extension ComputeManager {
    func resizeServer(_ uuid: String, flavorRef: String, _ auth: AuthContext, requestID: String) async throws {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:servers:resize")
        let flavor: FlavorRecord
        do {
            flavor = try await self.flavor(flavorRef, auth)
        } catch let error as APIError where error.status == .notFound {
            throw ComputeErrors.badRequest("Flavor \(flavorRef) could not be found.")
        }
        guard flavor.flavorID != instance.flavor.flavorID else {
            throw ComputeErrors.badRequest("When resizing, instances must change flavor!")
        }
        if flavor.rootGB < Int64(instance.flavor.rootGB) {
            throw ComputeErrors.badRequest("Resize error: Unable to resize disk down.")
        }
        let newFlavor = InstanceFlavor(flavor)
        let deltaCores = max(0, newFlavor.vcpus - instance.flavor.vcpus)
        let deltaRAM = max(0, newFlavor.memoryMB - instance.flavor.memoryMB)
        if deltaCores > 0 || deltaRAM > 0 {
            let projectID = instance.projectID
            let userID = instance.userID
            try await read { q in
                try await self.quotaCheck.checkServers(
                    q, projectID: projectID, userID: userID, instances: 0, cores: Int64(deltaCores), ram: Int64(deltaRAM))
            }
        }
        try await startServerAction(uuid, "resize", auth, requestID: requestID) { $0.newFlavor = newFlavor }
    }

    /// Cold migration (admin): the same flavor, another host.
    func migrateServer(_ uuid: String, _ auth: AuthContext, requestID: String) async throws {
        try await startServerAction(uuid, "migrate", auth, requestID: requestID) { $0.newFlavor = $0.flavor }
    }

    /// confirmResize / revertResize: to the destination host, which holds the server now.
    func finishResize(_ uuid: String, confirm: Bool, _ auth: AuthContext, requestID: String) async throws {
        try await startServerAction(uuid, confirm ? "confirm_resize" : "revert_resize", auth, requestID: requestID)
    }
}
