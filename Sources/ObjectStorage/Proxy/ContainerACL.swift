/// A container's read or write ACL (`X-Container-Read` / `X-Container-Write`), as Swift's
/// keystoneauth reads it: comma-separated elements `project:user` (ids, `*` for any),
/// `.r:*` (anyone may read objects; referrer rules other than `*` are not honoured),
/// `.rlistings` (with `.r:*`, anyone may also list).
struct ContainerACL: Sendable, Equatable {
    var grants: Set<String> = []
    var anyReferrer = false
    var listings = false

    init(_ header: String?) {
        for element in (header ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !element.isEmpty {
            switch element {
            case ".r:*": anyReferrer = true
            case ".rlistings": listings = true
            default:
                if !element.hasPrefix(".") { grants.insert(element) }
            }
        }
    }

    /// Whether a named caller is granted (its `project:user` forms against the elements).
    func grants(_ caller: ProxyIdentity?) -> Bool {
        guard let caller else { return false }
        return grants.contains("*:*") || caller.aclNames.contains(where: grants.contains)
    }

    /// Object reads: granted callers, or anyone when `.r:*`.
    func allowsObjectRead(_ caller: ProxyIdentity?) -> Bool { anyReferrer || grants(caller) }

    /// Listings: granted callers, or anyone when `.r:*` and `.rlistings`.
    func allowsListing(_ caller: ProxyIdentity?) -> Bool { (anyReferrer && listings) || grants(caller) }
}
