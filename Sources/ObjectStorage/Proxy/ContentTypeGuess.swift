/// The content type the proxy gives an upload that names none, from the object name's
/// extension as Python's `mimetypes` would (Swift's proxy does this), else
/// `application/octet-stream`.
enum ContentTypeGuess {
    static func forObject(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return fallback }
        return types[name[name.index(after: dot)...].lowercased()] ?? fallback
    }

    static let fallback = "application/octet-stream"

    private static let types: [String: String] = [
        "txt": "text/plain", "text": "text/plain", "log": "text/plain", "md": "text/markdown", "csv": "text/csv",
        "html": "text/html", "htm": "text/html", "css": "text/css", "js": "text/javascript", "xml": "text/xml",
        "json": "application/json", "pdf": "application/pdf", "zip": "application/zip", "gz": "application/gzip",
        "tar": "application/x-tar", "bz2": "application/x-bzip2", "xz": "application/x-xz", "iso": "application/x-iso9660-image",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml",
        "webp": "image/webp", "ico": "image/vnd.microsoft.icon", "mp3": "audio/mpeg", "wav": "audio/x-wav",
        "mp4": "video/mp4", "webm": "video/webm", "py": "text/x-python", "sh": "application/x-sh",
        "yaml": "application/yaml", "yml": "application/yaml", "qcow2": "application/octet-stream",
    ]
}
