/**
 * The behaviour every Store implementation must have, written once and run against
 * each implementation (sqlite/, mongo/) by its own test file:
 *
 *   describeStoreContract('sqlite', { open: () => createSqliteStore({ file: tmpFile() }), reopen: ... });
 *
 * Nothing here relies on implementation details (change positions are only compared,
 * never predicted), so the same suite holds for SQLite and MongoDB. One file per topic,
 * in the order the suite runs them.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { createActionFixture } from './action-fixture.ts';
import { createAttachmentFixture } from './attachment-fixture.ts';
import { describeAttachmentLifecycleContract } from './attachments-lifecycle.ts';
import { describeAttachmentsContract } from './attachments.ts';
import { describeActionsFeedContract } from './actions-feed.ts';
import { describeActionsContract } from './actions.ts';
import { describeBlocksContract } from './blocks.ts';
import { describeChangesSinceContract } from './changes-since.ts';
import { describeContactsContract } from './contacts.ts';
import { describeFeedOwnDeliveredContract } from './feed-own-delivered.ts';
import { createContractFixture, type StoreHarness } from './fixture.ts';
import { createGroupFixture } from './group-fixture.ts';
import { describeGroupCreationContract } from './groups-create.ts';
import { describeGroupMembershipContract } from './groups-membership.ts';
import { describeGroupPeriodsContract } from './groups-periods.ts';
import { describeGroupReceiptsContract } from './groups-receipts.ts';
import { describeGroupSendsContract } from './groups-sends.ts';
import { describeMutesContract } from './mutes.ts';
import { describePersistenceContract } from './persistence.ts';
import { describeProfilesContract } from './profiles.ts';
import { describePushSubscriptionsContract } from './push-subscriptions.ts';
import { describeReadsContract } from './reads.ts';
import { describeReceiptsContract } from './receipts.ts';
import { describeRepliesContract } from './replies.ts';
import { describeSearchContract } from './search.ts';
import { describeSendMessagesContract } from './send-messages.ts';
import { describeSessionsContract } from './sessions.ts';
import { describeUsersContract } from './users.ts';

export type { StoreHarness } from './fixture.ts';

export function describeStoreContract(name: string, harness: StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    const fx = createContractFixture(harness);
    beforeEach(() => fx.open());
    afterEach(() => fx.closeAll());

    describeUsersContract(fx);
    describeSessionsContract(fx);
    describeBlocksContract(fx);
    describeSendMessagesContract(fx);
    describeReceiptsContract(fx);
    describeChangesSinceContract(fx);
    describeReadsContract(fx);
    describePersistenceContract(fx);

    // Groups (#15): one file per topic, sharing the group helpers.
    const g = createGroupFixture(fx);
    describeGroupCreationContract(fx, g);
    describeGroupMembershipContract(fx, g);
    describeGroupSendsContract(fx, g);
    describeGroupPeriodsContract(fx, g);
    describeGroupReceiptsContract(fx, g);
    describeContactsContract(fx, g);

    // Message actions and replies (#16, contract v2 "Message actions").
    const a = createActionFixture(fx);
    describeActionsContract(fx, g, a);
    describeActionsFeedContract(fx, g, a);
    describeRepliesContract(fx, g, a);
    // The feed an engine reads (#20): its own delivered markings left out.
    describeFeedOwnDeliveredContract(fx, a);

    // Attachments (#17, contract v2 "Attachments").
    const f = createAttachmentFixture(fx);
    describeAttachmentsContract(fx, g, f);
    describeAttachmentLifecycleContract(fx, g, a, f);
    // Profiles (#19 item 12): the photo is an attachment.
    describeProfilesContract(fx, f);

    // Notifications and search (#18, contract v2 "Notifications and search").
    describePushSubscriptionsContract(fx);
    describeMutesContract(fx, g);
    describeSearchContract(fx, g, a);
  });
}
