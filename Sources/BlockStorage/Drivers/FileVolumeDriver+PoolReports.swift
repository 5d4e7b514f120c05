import Foundation

extension FileVolumeDriver {
    /// Each pool's size (its configured cap) and what is left of it: a thin pool counts the
    /// bytes its files really occupy, a thick pool the full size of every volume and snapshot.
    /// Free space never goes below zero nor above what the filesystem still has.
    public func poolReports() async throws -> [VolumePoolReport] {
        let filesystemFree = try LocalFiles.filesystemFreeBytes(try nearestExistingDirectory(of: layout.root))
        var reports: [VolumePoolReport] = []
        for pool in layout.pools.values.sorted(by: { $0.name < $1.name }) {
            let used = try await usedBytes(of: pool)
            let total = pool.capacityGB
            let free = max(0, min(total - Double(used) / Double(Self.bytesPerGiB), Double(filesystemFree) / Double(Self.bytesPerGiB)))
            reports.append(
                VolumePoolReport(
                    pool: pool.name, totalCapacityGB: total, freeCapacityGB: Self.roundedDown(free),
                    reservedPercentage: pool.reservedPercentage, thinProvisioning: pool.thin,
                    maxOverSubscriptionRatio: pool.maxOverSubscriptionRatio, capabilities: capabilities(of: pool)))
        }
        return reports
    }

    /// The pool's own capabilities, then the ones the back end states about every pool.
    func capabilities(of pool: FilePool) -> [String: String] {
        pool.capabilities.merging(
            [
                "pool_name": pool.name,
                "volume_backend_name": backendName,
                "storage_protocol": "local",
                "thin_provisioning_support": pool.thin ? "True" : "False",
                "thick_provisioning_support": pool.thin ? "False" : "True",
            ], uniquingKeysWith: { _, stated in stated })
    }

    /// Bytes the pool counts as used (see `poolReports`).
    func usedBytes(of pool: FilePool) async throws -> Int64 {
        let directory = layout.directory(of: pool)
        var used: Int64 = 0
        for name in try LocalFiles.names(in: directory) {
            let path = "\(directory)/\(name)"
            guard let sizes = LocalFiles.sizes(path) else { continue }
            if pool.thin {
                used += sizes.allocated
            } else if !name.hasPrefix(FileVolumeLayout.temporaryPrefix) {
                if name.hasSuffix(".raw") {
                    used += sizes.length
                } else if name.hasSuffix(".qcow2") {
                    used += try await qemuImage.info(path, format: "qcow2", forceShare: true).virtualSize
                }
            }
        }
        return used
    }

    /// The root itself, or the closest directory above it that exists (before the first volume).
    private func nearestExistingDirectory(of path: String) -> String {
        var url = URL(fileURLWithPath: path)
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.path
    }

    /// GB to two decimals, never rounding free space up.
    static func roundedDown(_ gigabytes: Double) -> Double {
        (gigabytes * 100).rounded(.down) / 100
    }
}
