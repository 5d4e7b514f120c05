import StratusKit

/// The guest device names of a server's disks: `/dev/vda` is the root disk (a boot volume's
/// too), volumes take the next free `/dev/vdX`.
enum DeviceNames {
    static let root = "/dev/vda"
    /// `vda` … `vdz`.
    static let maximumDevices = 26

    /// The device a new volume gets: the one asked for when it is free, else the first free
    /// one after the root disk.
    static func choose(requested: String?, taken: [String]) throws -> String {
        let used = Set(taken + [root])
        if let requested {
            guard !used.contains(requested) else {
                throw ComputeErrors.conflict("The supplied device path (\(requested)) is in use.")
            }
            return requested
        }
        for letter in "bcdefghijklmnopqrstuvwxyz" {
            let name = "/dev/vd\(letter)"
            if !used.contains(name) { return name }
        }
        throw APIError(
            .forbidden,
            "The maximum allowed number of disk devices (\(maximumDevices)) to attach to a single instance has been exceeded.")
    }

    /// Nova's `match_device`: `/dev/` then an optional `x`, a bus letter and `d`, then letters
    /// and an optional partition number (`/dev/vdb`, `/dev/sdc`, `/dev/xvdb1`).
    static func isValid(_ device: String) -> Bool {
        guard device.hasPrefix("/dev/") else { return false }
        var rest = Substring(device.dropFirst(5))
        while let last = rest.last, last.isASCII, last.isNumber { rest = rest.dropLast() }
        return !rest.isEmpty && rest.allSatisfy { $0.isASCII && $0.isLowercase && $0.isLetter }
    }
}
