import Foundation
import StratusKit

/// What a flavor list asks for: Nova's `is_public`, `minRam`, `minDisk`, `sort_key`,
/// `sort_dir` and paging.
struct FlavorQuery: Sendable {
    /// The sort keys Nova accepts.
    static let sortKeys = [
        "created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id", "is_public", "memory_mb", "name",
        "root_gb", "rxtx_factor", "swap", "vcpu_weight", "vcpus",
    ]

    /// Which flavors by visibility (honoured for admins only): public ones and those granted
    /// to the caller's project (`true`, the default), private ones (`false`), or all (nil).
    var isPublic: Bool? = true
    var minRAM: Int64?
    var minDisk: Int64?
    var sortKey = "flavorid"
    var descending = false
    var page: ListPage

    /// Orders flavors by the sort key, ties broken by creation order, both in the sort direction.
    func ordered(_ lhs: FlavorRecord, _ rhs: FlavorRecord) -> Bool {
        let order = Self.compare(lhs, rhs, by: sortKey)
        let result = order != .orderedSame ? order : Self.compareNumbers(lhs.internalID, rhs.internalID)
        return descending ? result == .orderedDescending : result == .orderedAscending
    }

    private static func compare(_ lhs: FlavorRecord, _ rhs: FlavorRecord, by key: String) -> ComparisonResult {
        switch key {
        case "created_at": compareNumbers(lhs.createdAt.microseconds, rhs.createdAt.microseconds)
        case "description": compareText(lhs.description ?? "", rhs.description ?? "")
        case "disabled": compareNumbers(lhs.disabled ? 1 : 0, rhs.disabled ? 1 : 0)
        case "ephemeral_gb": compareNumbers(lhs.ephemeralGB, rhs.ephemeralGB)
        case "id": compareNumbers(lhs.internalID, rhs.internalID)
        case "is_public": compareNumbers(lhs.isPublic ? 1 : 0, rhs.isPublic ? 1 : 0)
        case "memory_mb": compareNumbers(lhs.memoryMB, rhs.memoryMB)
        case "name": compareText(lhs.name, rhs.name)
        case "root_gb": compareNumbers(lhs.rootGB, rhs.rootGB)
        case "rxtx_factor": compareNumbers(lhs.rxtxFactor, rhs.rxtxFactor)
        case "swap": compareNumbers(lhs.swapMB, rhs.swapMB)
        case "vcpus": compareNumbers(lhs.vcpus, rhs.vcpus)
        case "vcpu_weight": .orderedSame
        default: compareText(lhs.flavorID, rhs.flavorID)
        }
    }

    private static func compareNumbers<N: Comparable>(_ lhs: N, _ rhs: N) -> ComparisonResult {
        lhs < rhs ? .orderedAscending : lhs > rhs ? .orderedDescending : .orderedSame
    }

    /// Byte-wise, as the database compares text.
    private static func compareText(_ lhs: String, _ rhs: String) -> ComparisonResult {
        let (l, r) = (Array(lhs.utf8), Array(rhs.utf8))
        return l.lexicographicallyPrecedes(r) ? .orderedAscending : l == r ? .orderedSame : .orderedDescending
    }
}
