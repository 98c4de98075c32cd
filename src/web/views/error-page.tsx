import { Layout } from "./layout.js";

export function ErrorPage({ status, message }: { status: number; message: string }) {
  return (
    <Layout title={`Error ${status}`}>
      <h1>{status === 404 ? "Not found" : "Something went wrong"}</h1>
      <p>{message}</p>
    </Layout>
  );
}
