// The quickstart in TypeScript: an OpenPanel project, a read-only client for dashboards and a launch on its
// timeline, through the provider plugin. `pulumi package add ../../provider` (or `pulumi install` once
// Pulumi.yaml lists the package) generates the SDK imported here into sdks/openpanel.
//
// Credentials come from stack config (openpanel:apiUrl, openpanel:clientId, openpanel:clientSecret) or from
// OPENPANEL_API_URL, OPENPANEL_CLIENT_ID and OPENPANEL_CLIENT_SECRET.
import * as openpanel from "@pulumi-openpanel/openpanel";

const web = new openpanel.Project("web", {
    name: "Web",
    domain: "https://example.com",
    cors: ["https://example.com"],
    crossDomain: false,
    types: ["website"],
    allowUnsafeRevenueTracking: false,
});
const reader = new openpanel.Client("reader", { name: "Dashboards", projectId: web.id, type: "read" });
const launch = new openpanel.Reference("launch", {
    projectId: web.id,
    title: "v2 launch",
    description: "New pricing page",
    datetime: "2026-12-01T10:00:00Z",
});

export const projectId = web.id;
export const writeClientId = web.clientId;
export const writeClientSecret = web.clientSecret; // a secret: `pulumi stack output --show-secrets`
export const readerClientId = reader.id;
export const readerSecret = reader.secret;
export const launchAt = launch.datetime;
