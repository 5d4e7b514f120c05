import StratusKit

/// ML2's port binding with the Linux bridge mechanism driver: a port whose `binding:host_id`
/// names a host is bound there with VIF type `bridge` (the guest's tap device joins the
/// network's bridge on that host); a port with no host is `unbound`.
///
/// There are no L2 agents yet to report the wiring, so a bound port whose admin state is up
/// counts as `ACTIVE` as soon as it is bound; an unbound or administratively down port is
/// `DOWN`. When agents arrive, they take over reporting `ACTIVE`.
enum PortBinding {
    static let boundVIFType = "bridge"
    static let unboundVIFType = "unbound"

    /// What Neutron's Linux bridge driver reports in `binding:vif_details` for a bound port.
    static let boundVIFDetails: [String: JSONValue] = ["port_filter": true, "connectivity": "l2"]

    /// Binds or unbinds `port` according to its host and admin state.
    static func apply(to port: inout PortRecord) {
        if port.bindingHostID.isEmpty {
            port.bindingVIFType = unboundVIFType
            port.status = "DOWN"
        } else {
            port.bindingVIFType = boundVIFType
            port.status = port.adminStateUp ? "ACTIVE" : "DOWN"
        }
    }
}
