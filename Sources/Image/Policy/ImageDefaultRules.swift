/// Glance's default policy (the secure-RBAC defaults of its `policies/` package): admins do
/// everything; a project's members manage its images and members; readers read; only
/// admins publicize, deactivate and reactivate. Targets carry `project_id` (the image's
/// owner), `owner`, `visibility` and, where a member is concerned, `member_id`.
enum ImageDefaultRules {
    static let admin = "role:admin"
    static let projectMember = "role:member and project_id:%(project_id)s"
    static let projectReader = "role:reader and project_id:%(project_id)s"
    static let adminOrProjectMember = "role:admin or (\(projectMember))"
    static let adminOrProjectReader = "role:admin or (\(projectReader))"
    static let adminOrProjectReaderGetImage =
        "role:admin or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s or 'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s))"
    static let adminOrProjectMemberDownloadImage =
        "role:admin or (role:member and (project_id:%(project_id)s or project_id:%(member_id)s or 'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s))"
    static let adminOrProjectMemberCreateImage = "role:admin or (\(projectMember) and project_id:%(owner)s)"
    static let adminOrSharedMember = "role:admin or (role:member and project_id:%(member_id)s)"
    static let adminOrProjectReaderOrSharedMember =
        "role:admin or role:reader and (project_id:%(project_id)s or project_id:%(member_id)s)"

    static let rules: [String: String] = [
        "context_is_admin": admin,
        "default": "",
        "add_image": adminOrProjectMemberCreateImage,
        "delete_image": adminOrProjectMember,
        "get_image": adminOrProjectReaderGetImage,
        "get_images": adminOrProjectReader,
        "modify_image": adminOrProjectMember,
        "publicize_image": admin,
        "communitize_image": adminOrProjectMember,
        "download_image": adminOrProjectMemberDownloadImage,
        "upload_image": adminOrProjectMember,
        "deactivate": admin,
        "reactivate": admin,
        "copy_image": admin,
        "add_member": adminOrProjectMember,
        "delete_member": adminOrProjectMember,
        "get_member": adminOrProjectReaderOrSharedMember,
        "get_members": adminOrProjectReaderOrSharedMember,
        "modify_member": adminOrSharedMember,
        "get_task": "rule:default",
        "get_tasks": "rule:default",
        "add_task": "rule:default",
        "modify_task": "rule:default",
        "tasks_api_access": admin,
        "stores_info_detail": admin,
    ]
}
