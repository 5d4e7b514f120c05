"""Image (Glance v2) through openstacksdk: create and upload, interoperable import
(glance-direct: stage, then import, as `import_image` does it), tasks, filters,
sorting and paging, members, tags, and Glance's errors."""

import hashlib
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lib  # noqa: E402

import openstack  # noqa: E402
from openstack import exceptions as sdk_exc  # noqa: E402

s = lib.Scenario()
try:
    s.start_stratus()
    conn = s.check("connect as admin", lambda: (lambda c: c if c.authorize() else False)(openstack.connect(cloud="stratus")))
    if conn is None:
        s.bail("could not connect")
    image = conn.image
    s.check("image endpoint from the catalog is on 127.0.0.1:9292", lambda: "127.0.0.1:9292" in conn.endpoint_for("image"))

    data = os.urandom(3 * 1024 * 1024 + 17)
    path = os.path.join(s.scratch, "data.raw")
    with open(path, "wb") as f:
        f.write(data)

    # --- glance-direct import, as import_image does it -------------------------------
    staged = s.check("create an image for import",
                     lambda: image.create_image(name="imported", disk_format="raw", container_format="bare",
                                                allow_duplicates=True, wait=False))
    s.check("stage its data", lambda: image.stage_image(staged, data=open(path, "rb")) or True)
    s.expect("the image is uploading once staged", image.get_image(staged).status == "uploading")
    s.check("import_image with glance-direct", lambda: image.import_image(staged, method="glance-direct") or True)
    final = staged
    for _ in range(200):
        final = image.get_image(staged)
        if final.status == "active":
            break
        time.sleep(0.05)
    s.expect("the imported image becomes active", final.status == "active", final.status)
    s.expect("its checksum is the md5 of the data", final.checksum == hashlib.md5(data).hexdigest())
    s.expect("its multihash is the sha512 of the data", final.hash_value == hashlib.sha512(data).hexdigest()
             and final.hash_algo == "sha512")
    downloaded = s.check("download the imported image", lambda: image.download_image(final).content)
    s.expect("the download equals the data", downloaded == data)
    tasks = s.check("list tasks (admin)", lambda: list(image.tasks()))
    s.expect("a successful import task names the image",
             any(t.result and t.result.get("image_id") == final.id and t.status == "success" for t in tasks or []))

    # --- create with data in one call ---------------------------------------------------
    uploaded = s.check("create_image with a file (PUT /file)",
                       lambda: conn.create_image("uploaded", filename=path, disk_format="raw",
                                                 container_format="bare", wait=True, tags=["red"]))
    s.expect("uploaded image is active with its size", uploaded.status == "active" and uploaded.size == len(data))
    s.expect("owner_specified.openstack.md5 and friends are kept as properties",
             "owner_specified.openstack.object" in (uploaded.properties or {}))

    # --- filters, sorting, paging -------------------------------------------------------
    names = [f"page-{i:02d}" for i in range(12)]
    for name in names:
        image.create_image(name=name, disk_format="raw", container_format="bare", allow_duplicates=True,
                           tags=["paged"], visibility="private")
    paged = s.check("list with tag filter and sort, 5 a page", lambda: [
        i.name for i in image.images(tag="paged", sort="name:asc", limit=5)])
    s.expect("paging follows next links and keeps the order", paged == names, paged)
    s.expect("a tag filter selects", [i.name for i in image.images(tag="red")] == ["uploaded"])
    s.expect("a name in: filter selects",
             sorted(i.name for i in image.images(name="in:page-01,page-02")) == ["page-01", "page-02"])
    s.expect("size_min filters", all(i.size >= 1000 for i in image.images(size_min=1000)))
    s.expect_raises("an unknown sort key is refused", sdk_exc.BadRequestException,
                    lambda: list(image.images(sort_key="bogus")))

    # --- update, tags ---------------------------------------------------------------
    updated = s.check("update_image name and property",
                      lambda: image.update_image(uploaded, name="renamed", color="blue"))
    s.expect("update is visible", image.get_image(uploaded).name == "renamed"
             and image.get_image(uploaded).properties.get("color") == "blue")
    s.check("add a tag", lambda: image.add_tag(uploaded, "green") or True)
    s.expect("tag added", "green" in image.get_image(uploaded).tags)
    s.check("remove a tag", lambda: image.remove_tag(uploaded, "green") or True)
    s.expect("tag removed", "green" not in image.get_image(uploaded).tags)

    # --- another project, members ------------------------------------------------------
    identity = conn.identity
    suffix = uuid.uuid4().hex[:6]
    other = identity.create_project(name=f"other-{suffix}", domain_id="default")
    user = identity.create_user(name=f"u-{suffix}", password="pw-1", domain_id="default")
    member_role = identity.find_role("member")
    identity.assign_project_role_to_user(other, user, member_role)
    them = openstack.connect(auth_url=lib.AUTH_URL, username=user.name, password="pw-1", user_domain_id="default",
                             project_name=other.name, project_domain_id="default")
    shared = image.create_image(name="to-share", disk_format="raw", container_format="bare", visibility="shared",
                                allow_duplicates=True)
    s.expect_raises("another project cannot see a shared image before it is a member",
                    sdk_exc.NotFoundException, lambda: them.image.get_image(shared.id))
    member = s.check("add_member", lambda: image.add_member(shared, member_id=other.id))
    s.expect("new member is pending", member is not None and member.status == "pending")
    s.expect("a pending share is not in their list", shared.id not in [i.id for i in them.image.images()])
    s.check("they accept", lambda: them.image.update_member(other.id, shared, status="accepted"))
    s.expect("an accepted share is in their list", shared.id in [i.id for i in them.image.images()])
    s.expect_raises("they cannot change the image", sdk_exc.ForbiddenException,
                    lambda: them.image.update_image(shared, name="mine"))
    s.expect("members listed by the owner", [m.member_id for m in image.members(shared)] == [other.id])
    s.check("remove_member", lambda: image.remove_member(other.id, shared) or True)
    s.expect_raises("after removal they cannot see it", sdk_exc.NotFoundException,
                    lambda: them.image.get_image(shared.id))

    # --- errors ---------------------------------------------------------------------------
    s.expect_raises("only admins publicize", sdk_exc.ForbiddenException,
                    lambda: them.image.create_image(name="pub", visibility="public", allow_duplicates=True,
                                                    disk_format="raw", container_format="bare"))
    s.expect_raises("a missing image is NotFound", sdk_exc.NotFoundException,
                    lambda: image.get_image(str(uuid.uuid4())))
    s.check("delete", lambda: image.delete_image(final) or True)
    s.expect_raises("a deleted image is gone", sdk_exc.NotFoundException, lambda: image.get_image(final.id))
except SystemExit:
    raise
except BaseException as error:  # noqa: BLE001
    s.record(False, f"scenario raised {type(error).__name__}: {error}")
s.finish()
