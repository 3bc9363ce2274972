import type { Ctx } from '../app.js';
import { ErrorBox, Loading } from '../components.js';
import { useAsync, useFocusHeading } from '../hooks.js';
import { href } from '../router.js';

interface Department {
  id: string;
  code: string;
  name: string;
}

export function HomePage(props: { ctx: Ctx }) {
  const { api } = props.ctx;
  const heading = useFocusHeading('home');
  const depts = useAsync(() => api.all<Department>('/api/storage/v1/departments'), [api]);
  return (
    <section>
      <h1 ref={heading} tabIndex={-1}>
        Departments
      </h1>
      <Loading when={depts.loading && !depts.data} />
      <ErrorBox error={depts.error} what="Departments could not be loaded" />
      <ul class="cards">
        {(depts.data ?? [])
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((d) => (
            <li key={d.id}>
              <a href={href.department(d.id)}>
                <strong>{d.name}</strong> <span class="muted">({d.code})</span>
              </a>
            </li>
          ))}
      </ul>
      {depts.data && depts.data.length === 0 ? <p>No departments yet.</p> : null}
    </section>
  );
}
