// expect-error TS2322
// RequestStatus values are sent as their json_value strings ("approved"), not proto names.
import type { StatusUpdated } from "sample_schema";

export const event: StatusUpdated = {
  type: "status_updated",
  data: { id: 1, status: "REQUEST_STATUS_APPROVED", message: "" },
};
