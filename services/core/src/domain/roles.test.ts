import { describe, expect, it } from "vitest";
import { FailedPreconditionError, PermissionDeniedError } from "./errors.js";
import {
  can,
  checkMemberChange,
  type Membership,
  type Permission,
  permissions,
  type Role,
  roles,
} from "./roles.js";

// The table as the product defines it (docs/security.md); a change to roles.ts must change this.
const expected: Record<Permission, Record<Role, boolean>> = {
  "workspace.read": { OWNER: true, ADMIN: true, MEMBER: true, VIEWER: true },
  "workspace.update": { OWNER: true, ADMIN: true, MEMBER: false, VIEWER: false },
  "member.read": { OWNER: true, ADMIN: true, MEMBER: true, VIEWER: true },
  "member.manage": { OWNER: true, ADMIN: true, MEMBER: false, VIEWER: false },
  "project.read": { OWNER: true, ADMIN: true, MEMBER: true, VIEWER: true },
  "project.write": { OWNER: true, ADMIN: true, MEMBER: true, VIEWER: false },
  "project.delete": { OWNER: true, ADMIN: true, MEMBER: false, VIEWER: false },
  "task.read": { OWNER: true, ADMIN: true, MEMBER: true, VIEWER: true },
  "task.write": { OWNER: true, ADMIN: true, MEMBER: true, VIEWER: false },
  "change.read": { OWNER: true, ADMIN: true, MEMBER: true, VIEWER: true },
};

const rows = Object.entries(expected).flatMap(([permission, byRole]) =>
  Object.entries(byRole).map(([role, allowed]) => [permission, role, allowed] as const),
);

describe("permission table", () => {
  it("covers exactly the permissions and roles expected", () => {
    expect(Object.keys(permissions).sort()).toEqual(Object.keys(expected).sort());
    expect([...roles]).toEqual(["OWNER", "ADMIN", "MEMBER", "VIEWER"]);
  });

  it.each(rows)("%s for %s: %s", (permission, role, allowed) => {
    expect(can(role as Role, permission as Permission)).toBe(allowed);
  });

  it("never grants an unknown role anything", () => {
    for (const permission of Object.keys(permissions) as Permission[]) {
      expect(can("GUEST" as Role, permission)).toBe(false);
    }
  });

  it("denies with a stable reason", () => {
    expect(new PermissionDeniedError().reason).toBe("PERMISSION_DENIED");
    expect(new PermissionDeniedError().message).toBe("the caller may not do this");
  });
});

describe("checkMemberChange", () => {
  const owner: Membership = { user: "olivia", role: "OWNER" };
  const admin: Membership = { user: "adam", role: "ADMIN" };
  const member: Membership = { user: "mia", role: "MEMBER" };
  const viewer: Membership = { user: "vic", role: "VIEWER" };

  const outcome = (fn: () => void): string => {
    try {
      fn();
      return "ok";
    } catch (e) {
      if (e instanceof PermissionDeniedError) return `denied: ${e.message}`;
      if (e instanceof FailedPreconditionError) return e.reason;
      throw e;
    }
  };

  describe("adding a member (no current role)", () => {
    it.each([
      [owner, "OWNER", "ok"],
      [owner, "ADMIN", "ok"],
      [owner, "VIEWER", "ok"],
      [admin, "ADMIN", "ok"],
      [admin, "MEMBER", "ok"],
      [admin, "VIEWER", "ok"],
      [admin, "OWNER", "denied: only an OWNER can manage owners"],
      [member, "VIEWER", "denied: the caller may not do this"],
      [member, "MEMBER", "denied: the caller may not do this"],
      [viewer, "VIEWER", "denied: the caller may not do this"],
    ] as const)("%o adds a %s: %s", (actor, newRole, result) => {
      expect(outcome(() => checkMemberChange(actor, { user: "newbie", newRole }, 1))).toBe(result);
    });
  });

  describe("changing a role", () => {
    it.each([
      [owner, "MEMBER", "ADMIN", 1, "ok"],
      [owner, "ADMIN", "OWNER", 1, "ok"],
      [owner, "OWNER", "ADMIN", 2, "ok"],
      [owner, "OWNER", "ADMIN", 1, "LAST_OWNER"],
      [admin, "MEMBER", "ADMIN", 1, "ok"],
      [admin, "ADMIN", "VIEWER", 1, "ok"],
      [admin, "MEMBER", "OWNER", 1, "denied: only an OWNER can manage owners"],
      [admin, "OWNER", "ADMIN", 2, "denied: only an OWNER can manage owners"],
      [admin, "OWNER", "OWNER", 2, "denied: only an OWNER can manage owners"],
      [member, "VIEWER", "MEMBER", 1, "denied: the caller may not do this"],
      [viewer, "VIEWER", "ADMIN", 1, "denied: the caller may not do this"],
    ] as const)(
      "%o: %s → %s with %i owner(s): %s",
      (actor, currentRole, newRole, owners, result) => {
        expect(
          outcome(() => checkMemberChange(actor, { user: "target", currentRole, newRole }, owners)),
        ).toBe(result);
      },
    );

    it("an owner keeping the OWNER role is no loss, even as the last owner", () => {
      expect(
        outcome(() =>
          checkMemberChange(owner, { user: "olivia", currentRole: "OWNER", newRole: "OWNER" }, 1),
        ),
      ).toBe("ok");
    });

    it("the last owner can't demote themselves", () => {
      expect(
        outcome(() =>
          checkMemberChange(owner, { user: "olivia", currentRole: "OWNER", newRole: "ADMIN" }, 1),
        ),
      ).toBe("LAST_OWNER");
    });

    it("changing one's own role is not self-removal: a member can't promote themselves", () => {
      expect(
        outcome(() =>
          checkMemberChange(member, { user: "mia", currentRole: "MEMBER", newRole: "ADMIN" }, 1),
        ),
      ).toBe("denied: the caller may not do this");
    });
  });

  describe("removing a member (no new role)", () => {
    it.each([
      [owner, "MEMBER", 1, "ok"],
      [owner, "OWNER", 2, "ok"],
      [owner, "OWNER", 1, "LAST_OWNER"],
      [admin, "MEMBER", 1, "ok"],
      [admin, "ADMIN", 1, "ok"],
      [admin, "OWNER", 2, "denied: only an OWNER can manage owners"],
      [member, "VIEWER", 1, "denied: the caller may not do this"],
      [viewer, "MEMBER", 1, "denied: the caller may not do this"],
    ] as const)("%o removes a %s with %i owner(s): %s", (actor, currentRole, owners, result) => {
      expect(outcome(() => checkMemberChange(actor, { user: "target", currentRole }, owners))).toBe(
        result,
      );
    });

    it.each([viewer, member, admin])("anyone may leave: %o", (actor) => {
      expect(
        outcome(() => checkMemberChange(actor, { user: actor.user, currentRole: actor.role }, 1)),
      ).toBe("ok");
    });

    it("an owner may leave when another owner stays", () => {
      expect(
        outcome(() => checkMemberChange(owner, { user: "olivia", currentRole: "OWNER" }, 2)),
      ).toBe("ok");
    });

    it("the last owner may not leave", () => {
      expect(
        outcome(() => checkMemberChange(owner, { user: "olivia", currentRole: "OWNER" }, 1)),
      ).toBe("LAST_OWNER");
    });
  });
});
