/// An error a handler threw on the far side of a call, re-thrown to the caller with the
/// name of its type and its message (oslo.messaging's `RemoteError`).
public struct RemoteError: Error, Sendable, CustomStringConvertible {
    /// The Swift type name of the handler's error, e.g. `FlavorNotFound`.
    public var exceptionType: String
    /// The module that defines the type, e.g. `Compute`.
    public var module: String
    public var message: String
    /// Python services send a traceback; Swift handlers send none.
    public var traceback: [String]
    /// The error's fields by name (oslo.messaging's `kwargs`), from which the caller rebuilds
    /// the bus's own errors.
    public var fields: [String: JSONValue]

    public init(
        exceptionType: String, module: String, message: String, traceback: [String] = [],
        fields: [String: JSONValue] = [:]
    ) {
        self.exceptionType = exceptionType
        self.module = module
        self.message = message
        self.traceback = traceback
        self.fields = fields
    }

    public var description: String { "Remote error: \(exceptionType) \(message)" }

    /// The failure of an error thrown by a handler. A `RemoteError` passed on by a handler
    /// keeps the type of the original error, as oslo.messaging does for re-raised remote errors.
    init(describing error: any Error) {
        if let remote = error as? RemoteError {
            self = remote
            return
        }
        // `Module.Outer.Name`: the module and the type's own name.
        let parts = String(reflecting: type(of: error)).split(separator: ".")
        var fields: [String: JSONValue] = [:]
        if let error = error as? NoSuchMethod {
            fields = ["method": .string(error.method)]
        } else if let error = error as? UnsupportedVersion {
            fields = ["version": .string(error.version), "method": .string(error.method)]
        }
        self.init(
            exceptionType: parts.last.map(String.init) ?? "Error",
            module: parts.count > 1 ? String(parts[0]) : "",
            message: String(describing: error), fields: fields)
    }

    /// The `failure` field of a reply: a JSON document in a string, keyed as oslo.messaging
    /// keys it (`class`, `module`, `message`, `tb`, `args`, `kwargs`).
    var failureText: String {
        let document: JSONValue = [
            "class": .string(exceptionType), "module": .string(module), "message": .string(message),
            "tb": .array(traceback.map(JSONValue.string)), "args": [.string(message)], "kwargs": .object(fields),
        ]
        return document.jsonText()
    }

    init(failureText: String) throws {
        guard let document = JSONValue.parse(failureText), let type = document["class"]?.stringValue else {
            throw MalformedMessage("a reply's failure is not a serialized error")
        }
        self.init(
            exceptionType: type, module: document["module"]?.stringValue ?? "",
            message: document["message"]?.stringValue ?? "",
            traceback: document["tb"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            fields: document["kwargs"]?.objectValue ?? [:])
    }

    /// The error the caller throws: the bus's own dispatch errors as themselves, anything
    /// else as this remote error.
    var rethrowable: any Error {
        guard module == "StratusKit" else { return self }
        switch (exceptionType, fields["method"]?.stringValue, fields["version"]?.stringValue) {
        case ("NoSuchMethod", let method?, _):
            return NoSuchMethod(method: method)
        case ("UnsupportedVersion", let method?, let version?):
            return UnsupportedVersion(version: version, method: method)
        default:
            return self
        }
    }
}
