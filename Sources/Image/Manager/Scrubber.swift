import StratusKit

extension ImageManager {
    /// One scrubber pass: images in `pending_delete` for at least `scrub_time` seconds lose
    /// their data and become `deleted`.
    /// Drops finished tasks once their `expires_at` (finish + `task_time_to_live`) passed.
    func purgeExpiredTasks() async {
        do {
            try await write { q in try await q.purgeExpiredTasks(before: Timestamp.now()) }
        } catch {
            logger.warning("cannot purge expired tasks", metadata: ["error": "\(error)"])
        }
    }

    func scrub() async {
        do {
            let due = try await read { q in
                try await q.pendingDeletes(deletedBefore: Timestamp.now().adding(seconds: -self.settings.scrubTime))
            }
            for image in due {
                if let location = image.location { try await store.delete(location: location) }
                try await write { q in try await q.markScrubbed(imageID: image.id) }
                logger.info("image scrubbed", metadata: ["image_id": "\(image.id)"])
            }
        } catch {
            logger.warning("scrubber pass failed", metadata: ["error": "\(error)"])
        }
    }
}
