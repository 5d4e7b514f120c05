import StratusKit

/// The settings that shape what a server's metadata says (the metadata service and the
/// config drive alike).
struct MetadataContentSettings: Sendable {
    /// Added to the hostname (`name.novalocal`); empty for none.
    var dhcpDomain = "novalocal"
    /// The StaticJSON vendor data.
    var staticVendorData: JSONValue = .object([:])
    /// The zone of servers whose host is in no zoned aggregate.
    var defaultAvailabilityZone = "nova"
}
