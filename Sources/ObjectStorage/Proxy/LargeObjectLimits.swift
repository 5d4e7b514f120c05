import StratusKit

/// The limits of the large-object and bulk features (Swift's `slo` and `bulk` middleware
/// defaults), published at `/info` so that clients know them.
struct LargeObjectLimits: Sendable {
    /// Object-backed segments one SLO manifest may list.
    var maxManifestSegments = 1000
    /// Bytes of an SLO manifest body.
    var maxManifestSize = 8 * 1024 * 1024
    /// Seconds between the spaces sent to keep a long bulk answer alive.
    var yieldFrequency = 10
    /// Segments checked (HEAD) at once while an SLO manifest is stored, and objects deleted at
    /// once by a bulk or SLO delete (Swift: `concurrency` and `delete_concurrency`, 2).
    var concurrency = 2
    var maxDeletesPerRequest = 10_000
    var maxFailedDeletes = 1000
    var maxContainersPerExtraction = 10_000
    var maxFailedExtractions = 1000

    /// The `/info` sections of these features, with Swift's keys.
    var info: [String: JSONValue] {
        [
            "slo": [
                "max_manifest_segments": .int(Int64(maxManifestSegments)), "max_manifest_size": .int(Int64(maxManifestSize)),
                "yield_frequency": .int(Int64(yieldFrequency)), "min_segment_size": 1, "allow_async_delete": false,
            ],
            // Swift registers no settings for DLO; the section says the feature is there.
            "dlo": [:],
            "bulk_delete": [
                "max_deletes_per_request": .int(Int64(maxDeletesPerRequest)), "max_failed_deletes": .int(Int64(maxFailedDeletes)),
            ],
            "bulk_upload": [
                "max_containers_per_extraction": .int(Int64(maxContainersPerExtraction)),
                "max_failed_extractions": .int(Int64(maxFailedExtractions)),
            ],
        ]
    }
}
