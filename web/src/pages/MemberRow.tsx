import { Show } from 'solid-js';
import type { Member } from '../../../core/api/auth';
import { Avatar } from '../components/Avatar';
import { Button } from '../components/Button';

export function MemberRow(props: {
  member: Member;
  isSelf: boolean;
  canRemove: boolean;
  onRemove: () => void;
}) {
  return (
    <li class="list-item" data-testid="member-row">
      <Avatar
        name={props.member.user.name || props.member.user.email}
        image={props.member.user.image}
        size={32}
      />
      <div class="list-item-main">
        <div class="list-item-title truncate">
          {props.member.user.name}
          <Show when={props.isSelf}>
            <span class="faint"> (you)</span>
          </Show>
        </div>
        <div class="list-item-meta truncate">{props.member.user.email}</div>
      </div>
      <span class="pill">{props.member.role}</span>
      <Show when={props.canRemove && !props.isSelf}>
        <Button size="sm" variant="danger-ghost" onClick={() => props.onRemove()}>
          Remove
        </Button>
      </Show>
    </li>
  );
}
