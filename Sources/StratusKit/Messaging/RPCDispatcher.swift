/// Finds the endpoint method a request names, as oslo.messaging's dispatcher does: the
/// first endpoint in the request's namespace whose version is compatible and that has the
/// method runs it. Compatible endpoints without the method give `NoSuchMethod`; no
/// compatible endpoint gives `UnsupportedVersion`.
struct RPCDispatcher: Sendable {
    let endpoints: [RPCEndpoint]

    func handler(method: String, namespace: String?, version: String?) throws -> RPCEndpoint.Handler {
        let requested = version ?? "1.0"
        var foundCompatible = false
        for endpoint in endpoints where endpoint.namespace == namespace {
            guard Self.isCompatible(endpoint: endpoint.version, requested: requested) else { continue }
            if let handler = endpoint.handlers[method] { return handler }
            foundCompatible = true
        }
        if foundCompatible { throw NoSuchMethod(method: method) }
        throw UnsupportedVersion(version: requested, method: method)
    }

    /// oslo.messaging's `version_is_compatible`: same major version, and the endpoint's
    /// minor (then revision) at least the requested one.
    static func isCompatible(endpoint: String, requested: String) -> Bool {
        func parts(_ version: String) -> [Int] {
            let numbers = version.split(separator: ".").map { Int($0) ?? 0 }
            return numbers + Array(repeating: 0, count: max(0, 3 - numbers.count))
        }
        let have = parts(endpoint)
        let want = parts(requested)
        guard have[0] == want[0] else { return false }
        if want[1] != have[1] { return want[1] < have[1] }
        return want[2] <= have[2]
    }
}
