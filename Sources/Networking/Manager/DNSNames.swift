import StratusKit

/// Neutron's DNS integration: the names ports, networks and floating IPs may carry, and
/// the host names a port's addresses resolve to (`dns_assignment`).
enum DNSNames {
    /// A host name or FQDN as RFC 1123 allows: labels of letters, digits and inner hyphens,
    /// 1–63 characters each, 255 in all, a top-level label that is not all digits.
    static func validate(_ name: String, attribute: String) throws {
        guard !name.isEmpty else { return }
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        func refuse(_ reason: String) -> APIError {
            invalidAttribute(attribute, "'\(name)' \(reason)")
        }
        guard name.utf8.count <= 255 else { throw refuse("exceeds the 255 character FQDN limit") }
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else { throw refuse("not a valid DNS name: labels must be 1 to 63 characters") }
            guard label.utf8.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }),
                label.utf8.first != UInt8(ascii: "-"), label.utf8.last != UInt8(ascii: "-")
            else { throw refuse("not a valid DNS name: letters, digits and inner hyphens only") }
        }
        if labels.count > 1, let top = labels.last, top.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            throw refuse("not a valid DNS name: the top-level label is all digits")
        }
    }

    /// A port's `dns_name`: a host name, or an FQDN within the service's `dns_domain`.
    static func validatePortName(_ name: String, dnsDomain: String) throws {
        try validate(name, attribute: "dns_name")
        if name.hasSuffix("."), !name.lowercased().hasSuffix("." + dnsDomain.lowercased()) {
            throw invalidAttribute(
                "dns_name",
                "The dns_name passed is a FQDN. Its higher level labels must be equal to the dns_domain option in the configuration, which has been set to '\(dnsDomain)'")
        }
    }

    /// `dns_assignment`: for each fixed IP its host name (the port's `dns_name`, else
    /// `host-` and the address with dashes) and FQDN in the service's domain.
    static func assignment(dnsName: String, fixedIPs: [FixedIP], dnsDomain: String) -> JSONValue {
        .array(fixedIPs.map { fixedIP in
            let hostname: String
            let fqdn: String
            if dnsName.hasSuffix(".") {
                hostname = String(dnsName.dropLast(dnsDomain.count + 1))
                fqdn = dnsName
            } else {
                hostname = dnsName.isEmpty
                    ? "host-" + String(fixedIP.ipAddress.map { $0 == "." || $0 == ":" ? "-" : $0 }) : dnsName
                fqdn = hostname + "." + dnsDomain
            }
            return ["hostname": .string(hostname), "ip_address": .string(fixedIP.ipAddress), "fqdn": .string(fqdn)]
        })
    }

    /// Neutron's answer to an attribute that fails its validator.
    private static func invalidAttribute(_ attribute: String, _ reason: String) -> APIError {
        APIError(.badRequest, "Invalid input for \(attribute). Reason: \(reason).", type: "HTTPBadRequest")
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
