import Foundation

/// Where the cloud keeps its state by default: a per-user directory.
enum DataDirectory {
    static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dataHome = environment["XDG_DATA_HOME"], !dataHome.isEmpty { return dataHome + "/stratus" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/stratus"
    }

    static func create(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}

func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    return FileManager.default.currentDirectoryPath + "/" + path
}
