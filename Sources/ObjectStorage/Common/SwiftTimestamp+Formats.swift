import StratusKit

extension SwiftTimestamp {
    /// `2014-01-17T15:59:33.359640`: what listings show as `last_modified` (UTC, microseconds, no zone).
    public var isoformat: String { Timestamp(microseconds: raw * 10).iso8601NoZone }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for the time rounded up to whole seconds (`Last-Modified`).
    public var httpDate: String { HTTPDate.format(ceilingSeconds) }
}
