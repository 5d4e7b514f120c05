import SQLKit
import StratusKit

/// The free addresses of every subnet's allocation pools, kept as ranges
/// (`ip_free_ranges`), so that handing out the lowest free address, reserving a given one
/// and giving one back each take a few indexed statements however full the subnet is.
/// Allocations (`ip_allocations`) stay the authority; the ranges follow them in the same
/// transaction, and `rebuildFreeRanges` recomputes them when a subnet's pools change.
extension NetworkQueries {
    /// Serializes address allocation on one subnet across processes (PostgreSQL row lock;
    /// SQLite writes are serialized already).
    func lockSubnetForAllocation(_ subnetID: String) async throws {
        _ = try await sql.select().column("id").from("subnets").where("id", .equal, subnetID).for(.update).first()
    }

    /// Recomputes a subnet's free ranges: its pools less the addresses allocated in it.
    func rebuildFreeRanges(_ subnet: SubnetRecord) async throws {
        try await sql.delete(from: "ip_free_ranges").where("subnet_id", .equal, subnet.id).run()
        let taken = Array(try await allocatedAddresses(subnetID: subnet.id))
        for pool in subnet.allocationPools {
            for range in pool.subtracting(taken) { try await insertFreeRange(range, subnetID: subnet.id) }
        }
    }

    func deleteFreeRanges(subnetID: String) async throws {
        try await sql.delete(from: "ip_free_ranges").where("subnet_id", .equal, subnetID).run()
    }

    /// Takes the lowest free pool address of a subnet; nil when its pools are full.
    func claimLowestFreeAddress(_ subnet: SubnetRecord) async throws -> IPAddress? {
        let version: IPAddress.Version = subnet.ipVersion == 6 ? .v6 : .v4
        guard let row = try await sql.select().columns("first_key", "last_key").from("ip_free_ranges")
            .where("subnet_id", .equal, subnet.id).orderBy("first_key").limit(1).first(),
            let first = IPAddress(orderKey: try row.string("first_key"), version: version),
            let last = IPAddress(orderKey: try row.string("last_key"), version: version)
        else { return nil }
        try await removeFreeRange(startingAt: first, subnetID: subnet.id)
        if first < last { try await insertFreeRange(AddressRange(first: first.adding(1), last: last), subnetID: subnet.id) }
        return first
    }

    /// Takes one given address out of the subnet's free ranges (a no-op outside the pools).
    func claimAddress(_ address: IPAddress, subnetID: String) async throws {
        guard let range = try await freeRange(containing: address, subnetID: subnetID) else { return }
        try await removeFreeRange(startingAt: range.first, subnetID: subnetID)
        for rest in range.subtracting([address]) { try await insertFreeRange(rest, subnetID: subnetID) }
    }

    /// Gives an address back to its subnet's free ranges, merged with its neighbours, when
    /// it lies in one of the subnet's pools. Takes the subnet's allocation lock as claims do:
    /// a release merging a range that a concurrent claim is splitting would otherwise write
    /// overlapping ranges (PostgreSQL runs the two side by side; SQLite never does).
    func releaseAddress(_ address: IPAddress, of subnet: SubnetRecord) async throws {
        guard subnet.allocationPools.contains(where: { $0.contains(address) }) else { return }
        try await lockSubnetForAllocation(subnet.id)
        let version = address.version
        var first = address
        var last = address
        if address.value > 0,
            let below = try await sql.select().column("first_key").from("ip_free_ranges")
                .where("subnet_id", .equal, subnet.id)
                .where("last_key", .equal, IPAddress(version: version, value: address.value - 1).orderKey).first(),
            let start = IPAddress(orderKey: try below.string("first_key"), version: version),
            subnet.allocationPools.contains(where: { $0.contains(start) && $0.contains(address) })
        {
            try await removeFreeRange(startingAt: start, subnetID: subnet.id)
            first = start
        }
        let next = address.adding(1)
        if next > address,
            let above = try await sql.select().column("last_key").from("ip_free_ranges")
                .where("subnet_id", .equal, subnet.id).where("first_key", .equal, next.orderKey).first(),
            let end = IPAddress(orderKey: try above.string("last_key"), version: version),
            subnet.allocationPools.contains(where: { $0.contains(end) && $0.contains(address) })
        {
            try await removeFreeRange(startingAt: next, subnetID: subnet.id)
            last = end
        }
        try await insertFreeRange(AddressRange(first: first, last: last), subnetID: subnet.id)
    }

    /// Whether an address is allocated in a subnet.
    func isAllocated(_ address: IPAddress, subnetID: String) async throws -> Bool {
        try await sql.select().column("port_id").from("ip_allocations").where("subnet_id", .equal, subnetID)
            .where("ip_address", .equal, address.description).first() != nil
    }

    private func freeRange(containing address: IPAddress, subnetID: String) async throws -> AddressRange? {
        guard let row = try await sql.select().columns("first_key", "last_key").from("ip_free_ranges")
            .where("subnet_id", .equal, subnetID).where("first_key", .lessThanOrEqual, address.orderKey)
            .orderBy("first_key", .descending).limit(1).first(),
            let first = IPAddress(orderKey: try row.string("first_key"), version: address.version),
            let last = IPAddress(orderKey: try row.string("last_key"), version: address.version),
            address <= last
        else { return nil }
        return AddressRange(first: first, last: last)
    }

    private func insertFreeRange(_ range: AddressRange, subnetID: String) async throws {
        try await sql.insert(into: "ip_free_ranges").columns("subnet_id", "first_key", "last_key")
            .values(SQLBind(subnetID), SQLBind(range.first.orderKey), SQLBind(range.last.orderKey)).run()
    }

    private func removeFreeRange(startingAt first: IPAddress, subnetID: String) async throws {
        try await sql.delete(from: "ip_free_ranges").where("subnet_id", .equal, subnetID)
            .where("first_key", .equal, first.orderKey).run()
    }
}
