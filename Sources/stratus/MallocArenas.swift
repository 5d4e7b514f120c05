import Foundation

#if canImport(Glibc)
    /// glibc's `mallopt(3)`; `<malloc.h>` is not part of the Glibc module.
    @_silgen_name("mallopt")
    private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32

    /// `M_ARENA_MAX` from `<malloc.h>`.
    private let mallocArenaMaxParameter: Int32 = -8
#endif

/// Caps glibc's malloc arenas at one per core before threads start. glibc gives every thread
/// that meets contention an arena of its own, up to eight per core; with the blocking pool's
/// sixteen threads touching streamed buffers, freed memory sat in idle arenas and a 2 GiB image
/// upload grew the process by ~150 MB instead of ~15 MB. `MALLOC_ARENA_MAX` in the environment
/// still wins (glibc reads it itself).
enum MallocArenas {
    static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) {
        #if canImport(Glibc)
            guard environment["MALLOC_ARENA_MAX"] == nil else { return }
            _ = mallopt(mallocArenaMaxParameter, Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
        #endif
    }
}
