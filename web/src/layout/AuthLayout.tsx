import type { JSX } from 'solid-js';
import { Logo } from './Logo';

export function AuthLayout(props: {
  title: string;
  subtitle?: JSX.Element;
  children: JSX.Element;
  footer?: JSX.Element;
}) {
  return (
    <div class="auth">
      <div class="card auth-card">
        <div class="auth-head">
          <Logo />
          <h1>{props.title}</h1>
          {props.subtitle && <p class="muted">{props.subtitle}</p>}
        </div>
        {props.children}
      </div>
      {props.footer && <p class="auth-foot">{props.footer}</p>}
    </div>
  );
}
