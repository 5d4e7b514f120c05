import Hummingbird
import StratusKit

extension ImageAPI {
    func registerTasks(on router: Router<StratusRequestContext>) {
        router.get("/v2/tasks") { request, context in
            let auth = try context.requireAuth()
            let tasks = try await manager.listTasks(auth: auth, type: request.query("type"), status: request.query("status"))
            return JSONResponse.make(
                .ok, ["tasks": .array(tasks.map(ImageWire.task)), "schema": "/v2/schemas/tasks", "first": "/v2/tasks"])
        }
        router.get("/v2/tasks/{task_id}") { _, context in
            let auth = try context.requireAuth()
            let task = try await manager.getTask(try context.parameters.require("task_id"), auth: auth)
            return JSONResponse.make(.ok, ImageWire.task(task))
        }
        router.get("/v2/images/{image_id}/tasks") { _, context in
            let auth = try context.requireAuth()
            let tasks = try await manager.imageTasks(try context.parameters.require("image_id"), auth: auth)
            return JSONResponse.make(.ok, ["tasks": .array(tasks.map(ImageWire.task))])
        }
    }
}
