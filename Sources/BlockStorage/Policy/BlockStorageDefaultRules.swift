/// Cinder's default policy (the secure-RBAC defaults): a project's readers read its
/// resources, its members change them, admins everything; types, QoS specs, services,
/// pools, quota changes, state resets and force deletes are for admins.
enum BlockStorageDefaultRules {
    static let admin = "rule:admin_api"
    static let reader = "rule:admin_api or (role:reader and project_id:%(project_id)s)"
    static let member = "rule:admin_api or (role:member and project_id:%(project_id)s)"

    static let rules: [String: String] = {
        var rules: [String: String] = [
            "context_is_admin": "role:admin",
            "admin_api": "role:admin",
            "volume_extension:types_manage": admin,
            "volume_extension:volume_type_encryption": admin,
            "volume_extension:volume_type_access": reader,
            "volume_extension:volume_type_access:addProjectAccess": admin,
            "volume_extension:volume_type_access:removeProjectAccess": admin,
            "volume_extension:access_types_extra_specs": reader,
            "volume_extension:access_types_qos_specs_id": admin,
            "volume_extension:qos_specs_manage:create": admin,
            "volume_extension:qos_specs_manage:get": admin,
            "volume_extension:qos_specs_manage:get_all": admin,
            "volume_extension:qos_specs_manage:update": admin,
            "volume_extension:qos_specs_manage:delete": admin,
            "volume_extension:quotas:update": admin,
            "volume_extension:quotas:delete": admin,
            "volume_extension:quota_classes": admin,
            "volume_extension:quota_classes:update": admin,
            "volume_extension:services:index": admin,
            "volume_extension:services:update": admin,
            "scheduler_extension:scheduler_stats:get_pools": admin,
            "volume_extension:capabilities": admin,
            "volume_extension:volume_admin_actions:reset_status": admin,
            "volume_extension:snapshot_admin_actions:reset_status": admin,
            "snapshot_extension:snapshot_actions:update_snapshot_status": admin,
            "volume_extension:backup_admin_actions:reset_status": admin,
            "volume_extension:volume_admin_actions:force_delete": admin,
            "volume_extension:snapshot_admin_actions:force_delete": admin,
            "volume_extension:backup_admin_actions:force_delete": admin,
            "volume_extension:volume_admin_actions:force_detach": admin,
            "volume_extension:volume_actions:upload_public": admin,
            "volume_extension:volume_host_attribute": admin,
            "volume_extension:volume_mig_status_attribute": admin,
            "volume:get_all_tenants": admin,
            "backup:backup-export": admin,
            "backup:backup-import": admin,
            "backup:backup_project_attribute": admin,
            "volume_extension:availability_zone_list": "@",
            "volume_extension:types_extra_specs:read_sensitive": admin,
        ]
        for rule in [
            "volume:get", "volume:get_all", "volume:get_volume_metadata", "volume_extension:volume_image_metadata:show",
            "volume_extension:volume_tenant_attribute", "volume:get_snapshot", "volume:get_all_snapshots",
            "volume:get_snapshot_metadata", "backup:get", "backup:get_all", "message:get", "message:get_all",
            "volume_extension:quotas:show", "limits_extension:used_limits", "volume:attachment_get",
            "volume:attachment_get_all", "volume_extension:type_get", "volume_extension:type_get_all",
            "volume_extension:types_extra_specs:index", "volume_extension:types_extra_specs:show",
            "volume_extension:extended_snapshot_attributes", "volume_extension:volume_encryption_metadata",
        ] {
            rules[rule] = reader
        }
        for rule in [
            "volume:create", "volume:create_from_image", "volume:update", "volume:delete", "volume:extend",
            "volume:extend_attached_volume", "volume:revert_to_snapshot", "volume:retype", "volume:update_readonly_flag",
            "volume:create_volume_metadata", "volume:update_volume_metadata", "volume:delete_volume_metadata",
            "volume_extension:volume_image_metadata:set", "volume_extension:volume_image_metadata:remove",
            "volume_extension:volume_actions:upload_image", "volume_extension:volume_actions:initialize_connection",
            "volume_extension:volume_actions:terminate_connection", "volume_extension:volume_actions:roll_detaching",
            "volume_extension:volume_actions:reserve", "volume_extension:volume_actions:unreserve",
            "volume_extension:volume_actions:begin_detaching", "volume_extension:volume_actions:attach",
            "volume_extension:volume_actions:detach", "volume:create_snapshot", "volume:delete_snapshot",
            "volume:update_snapshot", "volume:snapshot_metadata", "volume:update_snapshot_metadata",
            "volume:delete_snapshot_metadata", "backup:create", "backup:delete", "backup:restore", "backup:update",
            "volume:attachment_create", "volume:attachment_update", "volume:attachment_delete",
            "volume:attachment_complete", "message:delete", "volume:multiattach",
        ] {
            rules[rule] = member
        }
        return rules
    }()
}
