import Foundation
import StratusKit

/// The Image service's options (section `image` of the config file; see docs/configuration.md).
struct ImageSettings: Sendable {
    /// Largest image accepted, in bytes (Glance's `image_size_cap`, default 1 TiB).
    var imageSizeCap: Int64 = 1 << 40
    /// Per-project limits (Glance's unified-limit names); -1 means unlimited.
    var quotaImageCountTotal: Int64 = -1
    /// Total bytes of a project's images, in MiB as Glance counts it.
    var quotaImageSizeTotalMiB: Int64 = -1
    /// Total bytes a project may hold in the import staging area, in MiB.
    var quotaImageStageTotalMiB: Int64 = -1
    var imageMemberQuota = 128
    var imagePropertyQuota = 128
    var imageTagQuota = 128
    /// Deleting marks an image `pending_delete`; the scrubber removes its data after `scrubTime`.
    var delayedDelete = false
    var scrubTime: Int64 = 0
    var scrubInterval: Int64 = 300
    var limitParamDefault = 25
    var apiLimitMax = 1000
    /// Hosts `web-download` may fetch from; empty disables the method.
    var webDownloadAllowedHosts: [String] = []
    /// How long a finished task stays listed (Glance's `task_time_to_live`, hours).
    var taskTimeToLiveHours: Int64 = 48

    init() {}

    init(config: StratusConfig) throws {
        imageSizeCap = Int64(try config.int("image.image_size_cap", default: Int(imageSizeCap)))
        quotaImageCountTotal = Int64(try config.int("image.quota_image_count_total", default: -1))
        quotaImageSizeTotalMiB = Int64(try config.int("image.quota_image_size_total", default: -1))
        quotaImageStageTotalMiB = Int64(try config.int("image.quota_image_stage_total", default: -1))
        imageMemberQuota = try config.int("image.image_member_quota", default: imageMemberQuota)
        imagePropertyQuota = try config.int("image.image_property_quota", default: imagePropertyQuota)
        imageTagQuota = try config.int("image.image_tag_quota", default: imageTagQuota)
        delayedDelete = try config.bool("image.delayed_delete", default: false)
        scrubTime = Int64(try config.int("image.scrub_time", default: 0))
        scrubInterval = Int64(try config.int("image.scrub_interval", default: 300))
        limitParamDefault = try config.int("image.limit_param_default", default: limitParamDefault)
        apiLimitMax = try config.int("image.api_limit_max", default: apiLimitMax)
        webDownloadAllowedHosts = config.string("image.web_download_allowed_hosts", default: "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
