import Crypto
import Foundation
import HTTPTypes
import StratusKit

/// Who a metadata request speaks for, from the headers Neutron's metadata proxy adds:
/// either the instance id it already resolved, signed with the shared secret
/// (`X-Instance-ID`, `X-Tenant-ID`, `X-Instance-ID-Signature`, as Nova's metadata API
/// expects them), or the guest's address on a network or behind a router
/// (`X-Forwarded-For` with `X-Neutron-Network-ID` or `X-Neutron-Router-ID`, what the proxy in
/// a network's or router's namespace sends), which is looked up here as Neutron's metadata
/// agent would.
enum MetadataRequester: Sendable, Equatable {
    case signedInstance(instanceID: String, projectID: String)
    case address(String, networkID: String?, routerID: String?)

    static let instanceID = HTTPField.Name("X-Instance-ID")!
    static let tenantID = HTTPField.Name("X-Tenant-ID")!
    static let signature = HTTPField.Name("X-Instance-ID-Signature")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let networkID = HTTPField.Name("X-Neutron-Network-ID")!
    static let routerID = HTTPField.Name("X-Neutron-Router-ID")!

    /// Reads the headers; 400 with Nova's message when one is missing or repeated, 403 when
    /// the signature is not the instance id's HMAC-SHA256 under `secret`.
    static func identify(_ headers: HTTPFields, secret: String) throws -> MetadataRequester {
        let instanceIDs = headers[values: instanceID]
        if instanceIDs.isEmpty, let forwarded = headers[forwardedFor],
            let address = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !address.isEmpty,
            headers[networkID] != nil || headers[routerID] != nil
        {
            return .address(address, networkID: headers[networkID], routerID: headers[routerID])
        }
        let signatures = headers[values: signature]
        let tenants = headers[values: tenantID]
        guard let id = instanceIDs.first else { throw APIError(.badRequest, "X-Instance-ID header is missing from request.") }
        guard let signed = signatures.first else {
            throw APIError(.badRequest, "X-Instance-ID-Signature header is missing from request.")
        }
        guard let tenant = tenants.first else { throw APIError(.badRequest, "X-Tenant-ID header is missing from request.") }
        guard instanceIDs.count == 1 else { throw APIError(.badRequest, "Multiple X-Instance-ID headers found within request.") }
        guard tenants.count == 1 else { throw APIError(.badRequest, "Multiple X-Tenant-ID headers found within request.") }
        guard signatures.count == 1, constantTimeEqual(Array(signed.utf8), Array(sign(id, secret: secret).utf8)) else {
            throw APIError(.forbidden, "Invalid proxy request signature.")
        }
        return .signedInstance(instanceID: id, projectID: tenant)
    }

    /// The proxy's signature of an instance id: the hex HMAC-SHA256 under the shared secret.
    static func sign(_ instanceID: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(instanceID.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return Hex.lowercase(Array(mac))
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
