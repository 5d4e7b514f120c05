import Foundation

/// `qemu-img` (Debian's qemu-utils), run as a child process. Every call names the image
/// format explicitly: a format qemu-img guesses from the data is one a guest may have chosen
/// by writing a header into its raw disk.
public struct QemuImage: Sendable {
    /// The path of the `qemu-img` executable.
    public var executable: String
    /// How long `qemu-img info` may take on an untrusted image before it is stopped.
    public var inspectionTimeout: Duration

    public init(executable: String? = nil, inspectionTimeout: Duration = .seconds(30)) {
        self.executable = executable ?? Self.findExecutable() ?? "/usr/bin/qemu-img"
        self.inspectionTimeout = inspectionTimeout
    }

    /// Creates an empty image of `sizeBytes` (raw images are sparse).
    public func create(_ path: String, format: String, sizeBytes: Int64) async throws {
        try await run("create", ["create", "-q", "-f", format, path, String(sizeBytes)])
    }

    /// Changes the image's virtual size to `sizeBytes`.
    public func resize(_ path: String, format: String, sizeBytes: Int64) async throws {
        try await run("resize", ["resize", "-q", "-f", format, path, String(sizeBytes)])
    }

    /// Writes `source` (in `sourceFormat`) to `destination` in `format`, as a new independent
    /// image: zeroes are left unallocated, nothing refers back to the source.
    public func convert(_ source: String, sourceFormat: String, to destination: String, format: String) async throws {
        try await run(
            "convert", ["convert", "-q", "-f", sourceFormat, "-O", format, source, destination])
    }

    /// `qemu-img info --output=json`. With `format` nil qemu-img probes the format from the
    /// data (only ever to check an image against the format it was declared to have).
    /// `forceShare` reads an image a running guest holds open (its figures may lag behind).
    public func info(_ path: String, format: String?, forceShare: Bool = false) async throws -> QemuImageInfo {
        var arguments = ["info", "--output=json"]
        if forceShare { arguments.append("--force-share") }
        if let format { arguments += ["-f", format] }
        arguments.append(path)
        let output = try await run("info", arguments, timeout: inspectionTimeout)
        do {
            return try JSONDecoder().decode(QemuImageInfo.self, from: output)
        } catch {
            throw VolumeDriverError("qemu-img info gave output that could not be read.")
        }
    }

    /// Checks an image that came from outside (an image or backup file) before anything reads
    /// it as `declaredFormat` (a qemu-img format name): the data must be in that format, and
    /// must not make qemu-img open other files (a backing file, a qcow2 data file, a VMDK
    /// extent). Returns what qemu-img saw.
    public func inspectUntrusted(_ path: String, declaredFormat: String) async throws -> QemuImageInfo {
        let info = try await info(path, format: nil)
        guard info.format == declaredFormat else {
            throw VolumeDriverError(
                "Image is unacceptable: the image format was claimed to be '\(declaredFormat)' but the image data appears to be in a different format.")
        }
        if let backing = info.backingFilename, !backing.isEmpty {
            throw VolumeDriverError("Image is unacceptable: fmt=\(info.format) has a backing file.")
        }
        if info.format == "qcow2", info.formatSpecific?.data?.dataFile != nil {
            throw VolumeDriverError("Image is unacceptable: a qcow2 format image is not allowed to have a data file.")
        }
        if info.format == "vmdk" {
            guard let createType = info.formatSpecific?.data?.createType,
                Self.selfContainedVMDKTypes.contains(createType)
            else {
                throw VolumeDriverError("Image is unacceptable: invalid VMDK create-type specified.")
            }
        }
        return info
    }

    /// The VMDK subformats that keep all their data in the one file.
    /// The directory part of an absolute path: `/var/lib/x/` in `/var/lib/x/volume-1.raw`.
    private nonisolated(unsafe) static let directoryPattern = try! NSRegularExpression(pattern: #"(?:/[^/\s'"]+)+/"#)

    static let selfContainedVMDKTypes: Set<String> = ["monolithicSparse", "streamOptimized"]

    @discardableResult
    private func run(_ command: String, _ arguments: [String], timeout: Duration? = nil) async throws -> Data {
        let output: ChildProcessOutput
        do {
            output = try await ChildProcess.run(executable: executable, arguments: arguments, timeout: timeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw VolumeDriverError("qemu-img could not be started: \(error.localizedDescription)")
        }
        guard output.succeeded else {
            try Task.checkCancellation()
            if output.timedOut { throw VolumeDriverError("qemu-img \(command) took too long and was stopped.") }
            let reason = Self.summarize(output.standardError)
            throw VolumeDriverError("qemu-img \(command) failed" + (reason.isEmpty ? "." : ": \(reason)"))
        }
        return output.standardOutput
    }

    /// The last lines of qemu-img's error output, short, with the directories taken out of the
    /// paths it names (users read this message; the host's layout is none of their business).
    static func summarize(_ standardError: Data) -> String {
        let raw = String(decoding: standardError, as: UTF8.self)
        let text = directoryPattern.stringByReplacingMatches(
            in: raw, range: NSRange(raw.startIndex..., in: raw), withTemplate: "")
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { $0.hasPrefix("qemu-img: ") ? String($0.dropFirst("qemu-img: ".count)) : $0 }
        let summary = lines.suffix(3).joined(separator: "; ")
        return summary.count > 400 ? String(summary.prefix(400)) + "…" : summary
    }

    private static func findExecutable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map { "\($0)/qemu-img" } + ["/usr/bin/qemu-img"])
            .first(where: FileManager.default.isExecutableFile(atPath:))
    }
}

/// What `qemu-img info --output=json` says about an image.
public struct QemuImageInfo: Sendable, Decodable, Equatable {
    public var virtualSize: Int64
    /// The format qemu-img read the image as (`raw`, `qcow2`, `vmdk` …).
    public var format: String
    /// Bytes the image occupies on disk.
    public var actualSize: Int64?
    public var backingFilename: String?
    public var formatSpecific: FormatSpecific?

    public struct FormatSpecific: Sendable, Decodable, Equatable {
        public var type: String?
        public var data: Details?
    }

    /// The format-specific fields the checks look at.
    public struct Details: Sendable, Decodable, Equatable {
        /// A qcow2 image's external data file.
        public var dataFile: String?
        /// A VMDK image's subformat.
        public var createType: String?

        enum CodingKeys: String, CodingKey {
            case dataFile = "data-file"
            case createType = "create-type"
        }
    }

    enum CodingKeys: String, CodingKey {
        case virtualSize = "virtual-size"
        case format
        case actualSize = "actual-size"
        case backingFilename = "backing-filename"
        case formatSpecific = "format-specific"
    }
}
