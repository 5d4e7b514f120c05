import Foundation
import Image

/// The tiny guest built by `scripts/build-test-image`: a kernel (aki), a ramdisk (ari) and
/// a root filesystem registered as `ami` with `kernel_id` / `ramdisk_id`, as OpenStack does
/// with CirrOS's UEC images.
enum TinyImage {
    static let name = "stratus-tiny"

    /// Where the build script caches its output (the same default as the script).
    static var cacheDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let directory = environment["STRATUS_IMAGE_CACHE"], !directory.isEmpty { return directory }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? NSHomeDirectory() + "/.cache"
        return cache + "/stratus/images"
    }

    /// Registers the three images when the build output is present; returns the line the
    /// banner prints about it.
    static func register(in service: ImageService, ownerProjectID: String, adminUserID: String) async throws -> String {
        let directory = cacheDirectory
        let kernel = directory + "/stratus-tiny-vmlinuz"
        let ramdisk = directory + "/stratus-tiny-initrd"
        let disk = directory + "/stratus-tiny.img"
        guard [kernel, ramdisk, disk].allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else {
            return "image    \(name) not registered: build it once with scripts/build-test-image, then restart"
        }
        // The build stamp names the script and kernel that made the files: a rebuild
        // with other inputs is registered anew.
        let build = ((try? String(contentsOfFile: directory + "/stratus-tiny.stamp", encoding: .utf8)) ?? "")
            .split(separator: "\n").first.map(String.init) ?? ""
        do {
            return try await register(
                service, kernel: kernel, ramdisk: ramdisk, disk: disk, build: build, ownerProjectID: ownerProjectID,
                adminUserID: adminUserID)
        } catch {
            return "image    \(name) not registered: \(error)"
        }
    }

    private static func register(
        _ service: ImageService, kernel: String, ramdisk: String, disk: String, build: String, ownerProjectID: String,
        adminUserID: String
    ) async throws -> String {
        let kernelID = try await service.registerPublicImage(
            name: name + "-kernel", file: kernel, diskFormat: "aki", containerFormat: "aki",
            properties: ["stratus_build": build],
            ownerProjectID: ownerProjectID, userID: adminUserID)
        let ramdiskID = try await service.registerPublicImage(
            name: name + "-ramdisk", file: ramdisk, diskFormat: "ari", containerFormat: "ari",
            properties: ["stratus_build": build],
            ownerProjectID: ownerProjectID, userID: adminUserID)
        let diskID = try await service.registerPublicImage(
            name: name, file: disk, diskFormat: "ami", containerFormat: "ami",
            properties: [
                "kernel_id": kernelID, "ramdisk_id": ramdiskID, "os_distro": "stratus-tiny",
                "os_command_line": "root=/dev/vda console=ttyS0", "stratus_build": build,
            ],
            ownerProjectID: ownerProjectID, userID: adminUserID)
        return "image    \(name) registered (\(diskID)), with its kernel and ramdisk"
    }
}
