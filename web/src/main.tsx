import { render } from 'solid-js/web';

render(() => <p>Cloud Workspaces</p>, document.getElementById('root')!);
