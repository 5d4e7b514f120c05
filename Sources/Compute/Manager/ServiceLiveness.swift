import StratusKit

/// Whether a service is up, as Nova's database service group driver decides: not forced
/// down, and heard from (or, never heard from, created) within `downTime` seconds
/// (`compute.service_down_time`).
struct ServiceLiveness: Sendable {
    var downTime: Int64

    func isUp(_ service: ServiceRecord, now: Timestamp = .now()) -> Bool {
        guard !service.forcedDown else { return false }
        let seen = service.lastSeenUp ?? service.createdAt
        return now.microseconds - seen.microseconds <= downTime * 1_000_000
    }
}
